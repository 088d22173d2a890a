// How a session is named on screen: its project's folder and the first 8 characters of its id. A module of its
// own so the CLI's quick entry can name sessions without loading the panel's view code.

/** The last folder of a project path ("(no project)" without one). */
export function projectFolder(project: string | null | undefined): string {
  return project ? (project.split(/[\\/]/).filter(Boolean).pop() ?? project) : '(no project)';
}

/** A session's short name: project folder and the id's first 8 characters. */
export function sessionName(sessionId: string, project: string | null | undefined): string {
  return `${projectFolder(project)} · ${sessionId.slice(0, 8)}`;
}
