/** A closed stdout (`drydock images | head -1`) ends the command quietly, as Docker's CLI does. */
export function exitOnClosedStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
}
