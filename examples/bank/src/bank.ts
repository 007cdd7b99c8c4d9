/**
 * The bank: one key per account, spread over 8 shards. A transfer debits its
 * source (or is rejected) and emits the credit of its target, which another
 * shard's writer applies exactly once. Each account keeps what it was opened
 * with and what it sent and received, so that an audit can tell money in
 * transit from money created or lost.
 */
import { defineMachine } from '@streamerson/state';

export const BANK = 'bank';
export const SHARDS = 8;

export interface Account {
  readonly open: boolean;
  readonly balance: number;
  /** The balance it was opened with. */
  readonly opened: number;
  /** Sum of its transfers out (debited here) and in (credited here). */
  readonly sent: number;
  readonly received: number;
}

export type BankEvent =
  | { readonly type: 'opened'; readonly balance: number }
  | { readonly type: 'debited'; readonly amount: number; readonly to: string; readonly transfer: string }
  | { readonly type: 'credited'; readonly amount: number; readonly from: string; readonly transfer: string };

export interface BankCommands {
  open: { balance: number };
  transfer: { to: string; amount: number };
  credit: { from: string; amount: number; transfer: string };
}

const amount = { type: 'integer', minimum: 1, maximum: 1_000_000_000 } as const;

export const bank = defineMachine<Account, BankCommands, BankEvent>({
  name: BANK,
  shards: SHARDS,
  initial: () => ({ open: false, balance: 0, opened: 0, sent: 0, received: 0 }),
  commands: {
    open: {
      schema: {
        type: 'object',
        required: ['balance'],
        additionalProperties: false,
        properties: { balance: { type: 'integer', minimum: 0, maximum: 1_000_000_000 } },
      },
      decide: (account, { balance }, ctx) => (account.open ? ctx.reject('ALREADY_OPEN', `account ${ctx.key} is open already`) : [{ type: 'opened', balance }]),
    },
    transfer: {
      schema: {
        type: 'object',
        required: ['to', 'amount'],
        additionalProperties: false,
        properties: { to: { type: 'string', minLength: 1, maxLength: 200 }, amount },
      },
      decide: (account, { to, amount }, ctx) => {
        if (!account.open) return ctx.reject('NO_ACCOUNT', `account ${ctx.key} is not open`);
        if (to === ctx.key) return ctx.reject('SAME_ACCOUNT', 'a transfer needs two accounts');
        if (account.balance < amount) return ctx.reject('INSUFFICIENT_FUNDS', `balance ${account.balance} is below ${amount}`, { balance: account.balance });
        ctx.emit(to, 'credit', { from: ctx.key, amount, transfer: ctx.commandId });
        return [{ type: 'debited', amount, to, transfer: ctx.commandId }];
      },
    },
    // Only transfers emit credits; a credit to an account that is not open still lands (the money is never lost).
    credit: (_account, { from, amount, transfer }) => [{ type: 'credited', amount, from, transfer }],
  },
  apply: (account, event) => {
    switch (event.type) {
      case 'opened':
        return { ...account, open: true, balance: event.balance, opened: event.balance };
      case 'debited':
        return { ...account, balance: account.balance - event.amount, sent: account.sent + event.amount };
      case 'credited':
        return { ...account, balance: account.balance + event.amount, received: account.received + event.amount };
    }
  },
});
