/**
 * The repository root the program runs from (the folder of main.ts), for the few things found beside the
 * sources rather than imported: main.ts's path when the admin dashboard runs `restore-archive` as a child.
 * main.ts sets it from the root it was given, because a bundle of the program (scripts/start.ts) runs its
 * modules from a build folder, where `import.meta.url` says nothing about the checkout. A leaf.
 */

let root: URL = new URL("../../", import.meta.url);

/** Sets the repository root (a `file:` URL of a folder, ending in `/`); main.ts calls it first. */
export function setRepositoryRoot(url: URL): void {
  root = url;
}

/** The repository root: what main.ts set, else two folders above this module (running from source). */
export function repositoryRoot(): URL {
  return root;
}
