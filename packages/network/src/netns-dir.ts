import * as path from 'node:path';

/** Where the network manager bind-mounts the containers' network namespaces: `<state dir>/netns/<id>`. */
export function netnsDir(stateDir: string): string {
  return path.join(stateDir, 'netns');
}
