/** Everything sft keeps in SFT_HOME, one object per file. */
import { ConfigFile } from './config-file';
import { CredentialsFile } from './credentials-file';
import { IdentityFile } from './identity-file';
import { KnownPeersFile } from './known-peers-file';
import { PendingSendsFile } from './pending-sends-file';
import { TransferRecords } from './transfer-records';

export class StateStore {
  readonly config: ConfigFile;
  readonly credentials: CredentialsFile;
  readonly identities: IdentityFile;
  readonly knownPeers: KnownPeersFile;
  readonly pendingSends: PendingSendsFile;
  readonly transfers: TransferRecords;

  constructor(readonly home: string) {
    this.config = new ConfigFile(home);
    this.credentials = new CredentialsFile(home);
    this.identities = new IdentityFile(home);
    this.knownPeers = new KnownPeersFile(home);
    this.pendingSends = new PendingSendsFile(home);
    this.transfers = new TransferRecords(home);
  }
}
