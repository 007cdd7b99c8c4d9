/**
 * The bank of the tests: accounts with balances, transfers across shards
 * through emitted credits. Money is never created or lost: a transfer debits
 * its source (or is rejected) and emits the credit of its target.
 */
import { defineMachine } from '../src/index.js';

export interface Account {
  readonly balance: number;
  readonly open: boolean;
}

export type BankEvent =
  | { readonly type: 'opened'; readonly balance: number }
  | { readonly type: 'debited'; readonly amount: number; readonly to: string; readonly transfer: string }
  | { readonly type: 'credited'; readonly amount: number; readonly from: string; readonly transfer: string }
  | { readonly type: 'deposited'; readonly amount: number };

export interface BankCommands {
  open: { balance: number };
  deposit: { amount: number };
  transfer: { to: string; amount: number };
  credit: { from: string; amount: number; transfer: string };
}

const amount = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

export function bankMachine(name: string, shards: number) {
  return defineMachine<Account, BankCommands, BankEvent>({
    name,
    shards,
    initial: () => ({ balance: 0, open: false }),
    commands: {
      open: {
        schema: { type: 'object', required: ['balance'], additionalProperties: false, properties: { balance: { type: 'integer', minimum: 0 } } },
        decide: (account, { balance }, ctx) =>
          account.open ? ctx.reject('ALREADY_OPEN', `account ${ctx.key} is open already`) : [{ type: 'opened', balance }],
      },
      deposit: {
        schema: { type: 'object', required: ['amount'], additionalProperties: false, properties: { amount } },
        decide: (account, { amount }, ctx) => (account.open ? [{ type: 'deposited', amount }] : ctx.reject('NO_ACCOUNT', `account ${ctx.key} is not open`)),
      },
      transfer: {
        schema: { type: 'object', required: ['to', 'amount'], additionalProperties: false, properties: { to: { type: 'string', minLength: 1 }, amount } },
        decide: (account, { to, amount }, ctx) => {
          if (!account.open) return ctx.reject('NO_ACCOUNT', `account ${ctx.key} is not open`);
          if (to === ctx.key) return ctx.reject('SAME_ACCOUNT', 'a transfer needs two accounts');
          if (account.balance < amount) return ctx.reject('INSUFFICIENT_FUNDS', `balance ${account.balance} is below ${amount}`, { balance: account.balance });
          ctx.emit(to, 'credit', { from: ctx.key, amount, transfer: ctx.commandId });
          return [{ type: 'debited', amount, to, transfer: ctx.commandId }];
        },
      },
      credit: (_account, { from, amount, transfer }) => [{ type: 'credited', amount, from, transfer }],
    },
    apply: (account, event) => {
      switch (event.type) {
        case 'opened':
          return { balance: event.balance, open: true };
        case 'deposited':
        case 'credited':
          return { ...account, balance: account.balance + event.amount };
        case 'debited':
          return { ...account, balance: account.balance - event.amount };
      }
    },
  });
}
