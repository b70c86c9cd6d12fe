/** Who is who in a session: the party that opened or joined it, and the direction its files move. */

/** The host opened the session; the joiner joined it. */
export type Party = 'host' | 'joiner';

/** Which way the files move for this side (what it reports to the server). */
export type TransferRole = 'sender' | 'receiver';
