/** `sft withdraw ID`: the sender takes back a stored delivery not received yet; the server deletes its ciphertext. */
import { usageError } from '../errors';
import { requireLogin } from './connection';
import type { Deps, GlobalOptions } from './deps';

export interface WithdrawOptions extends GlobalOptions {
  id?: string;
}

export async function withdraw(opts: WithdrawOptions, deps: Deps): Promise<void> {
  const id = opts.id?.trim();
  if (!id) throw usageError('Which delivery? Give its id (`sft sessions` lists yours).');
  const { api } = await requireLogin(opts, deps);
  const delivery = await api.withdrawDelivery(id);
  await deps.state.pendingSends.delete(delivery.id); // an unfinished `sft send` of it: its file key goes too
  deps.reporter.result('withdrawn', { id: delivery.id, recipient: delivery.recipient }, `Withdrew delivery ${delivery.id} for ${delivery.recipient}; the server deleted its copy.`);
}
