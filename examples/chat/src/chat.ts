/**
 * Chat rooms. A room is the topic `chat.room.<name>`; its entries are the
 * messages. Clients never write to a room directly: they send a request to
 * the `chat` worker (over WebSocket, or `POST /rooms/:room/messages`), which
 * checks the message and appends it. Clients read a room by subscribing
 * (WebSocket) or with Server-Sent Events; both resume from an entry id.
 */
import type { Engine } from '@streamerson/core';
import { httpReply, type AuthorizeHook, type Gateway, type HttpRequest } from '@streamerson/gateway';
import { Client, Service, ServiceError } from '@streamerson/service';
import type { FastifyInstance } from 'fastify';
import { CHAT_ICON, CHAT_PAGE } from './page.js';

/** Topic of the chat worker's requests. */
export const CHAT_TOPIC = 'chat';
/** Prefix of room topics. */
export const ROOM_PREFIX = 'chat.room.';
/** Longest message text. */
export const MAX_TEXT_LENGTH = 500;
/** Messages a room keeps (older ones are trimmed). */
export const ROOM_RETENTION = 1_000;

const ROOM = /^[A-Za-z0-9_-]{1,40}$/;
const NAME = /^.{1,40}$/u;

/** One chat message, as stored in a room. */
export interface ChatMessage {
  readonly name: string;
  readonly text: string;
  readonly at: number;
}

/** What a client sends: the room and the message. */
export interface PostMessage {
  readonly room: string;
  readonly name: string;
  readonly text: string;
}

/** Clients may subscribe to rooms and send requests to the chat worker; nothing else. */
export const chatAuthorize: AuthorizeHook = ({ op, topic }) =>
  op === 'connect' || (op === 'subscribe' && topic!.startsWith(ROOM_PREFIX)) || (op === 'request' && topic === CHAT_TOPIC);

/** How long browsers may keep the page's icon (one day). */
const ICON_MAX_AGE_S = 86_400;

/** Serves the page at `/` (its icon at `/favicon.ico`) and adds `POST /rooms/:room/messages`. */
export function chatRoutes(app: FastifyInstance, gateway: Gateway = app.streamerson): void {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.type('text/html; charset=utf-8').send(CHAT_PAGE));
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', `public, max-age=${ICON_MAX_AGE_S}`).send(CHAT_ICON),
  );
  gateway.route({
    method: 'POST',
    url: '/rooms/:room/messages',
    topic: CHAT_TOPIC,
    type: 'http.post',
    schema: {
      summary: 'Post a message to a room',
      params: { type: 'object', properties: { room: { type: 'string', pattern: ROOM.source } } },
      body: { type: 'object', required: ['name', 'text'], properties: { name: { type: 'string' }, text: { type: 'string' } } },
    },
  });
}

function invalid(message: string): ServiceError {
  return new ServiceError(message, { status: 422, errorCode: 'INVALID_MESSAGE' });
}

function check(post: Partial<PostMessage> | null): PostMessage & { text: string } {
  if (typeof post?.room !== 'string' || !ROOM.test(post.room)) throw invalid('room must be 1-40 letters, digits, "-" or "_"');
  const name = typeof post.name === 'string' ? post.name.trim() : '';
  if (!NAME.test(name)) throw invalid('name must be 1-40 characters');
  const text = typeof post.text === 'string' ? post.text.trim() : '';
  if (text === '' || text.length > MAX_TEXT_LENGTH) throw invalid(`text must be 1-${MAX_TEXT_LENGTH} characters`);
  return { room: post.room, name, text };
}

/** The chat worker and the client it appends messages with; close both. */
export function chatService(engine: Engine): { service: Service; close(): Promise<void> } {
  const rooms = new Client(engine);
  const post = async (input: Partial<PostMessage> | null): Promise<{ id: string }> => {
    const { room, name, text } = check(input);
    const message: ChatMessage = { name, text, at: Date.now() };
    const id = await rooms.publish(ROOM_PREFIX + room, 'message', message);
    void engine.trim(ROOM_PREFIX + room, { maxLen: ROOM_RETENTION }).catch(() => undefined);
    return { id };
  };
  const service = new Service(engine, { topic: CHAT_TOPIC, name: 'chat' })
    .handle('post', (p: Partial<PostMessage>) => post(p))
    .handle('http.post', async (req: HttpRequest<{ name?: string; text?: string }>) =>
      httpReply(201, await post({ ...req.body, room: req.params['room']! } as Partial<PostMessage>)),
    );
  return {
    service,
    async close() {
      await service.close();
      await rooms.close();
    },
  };
}
