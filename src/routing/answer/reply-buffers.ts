// Buffers for answers that are sent as they are, used again once sent.
//
// Why: an answer taken from fresh memory each time (a slab, or an
// ArrayBuffer of its own) costs more than writing it: every one of its cache
// lines is fetched from memory before it is written, and pushes out of the
// cache the snapshot lines the next lookup needs. The RPC layer gives a
// buffer back once the socket has taken its bytes (the response's 'finish'),
// so the few buffers in flight at any time are written again and again, hot.
//
// The contract: a buffer is taken for one answer; whoever sends that answer
// (and nothing else) gives it back, after the send, and does not read it
// after. Each take is numbered (takeOf): whoever keeps a view of the buffer
// (an answer object, local-answer.ts) remembers the number and reads the
// bytes only while the buffer is still in that same take, so a buffer given
// back and written again by another answer is never read as the first. An
// answer never given back (kept in-process, a connection reset first) is
// simply collected; the pool makes a new one.

/** The size of a pooled buffer: answers of twenty routes with their envelope fit; a larger one takes memory of its own (json-bytes.ts copyWithRoom). */
export const POOLED_REPLY_BYTES = 16 * 1024;

/** Free buffers kept at most: more than the requests a listener has in flight at once at any sane concurrency. */
export const MAX_FREE_REPLY_BUFFERS = 256;

/** On a pooled buffer's memory: the number of its current take (> 0), or FREE. */
const STATE = Symbol('sippy_routed.replyBuffer');
const FREE = 0;
/** takeOf() of memory the pool never gave out (memory of its own, the slab). */
export const NOT_POOLED = -1;

type Marked = ArrayBuffer & { [STATE]?: number };

export class ReplyBufferPool {
  private readonly free: Buffer[] = [];
  /** Takes served by a buffer given back (tests). */
  reused = 0;
  /** Numbers the takes; a double passes 2^53 only after centuries at any rate. */
  private takes = 0;

  /** A whole pooled buffer of POOLED_REPLY_BYTES, taken until given back. */
  take(): Buffer {
    const given = this.free.pop();
    if (given !== undefined) this.reused++;
    const buffer = given ?? Buffer.allocUnsafeSlow(POOLED_REPLY_BYTES);
    (buffer.buffer as Marked)[STATE] = ++this.takes;
    return buffer;
  }

  /**
   * The number of the take that `bytes` (any view) belongs to while that
   * take lasts: it changes when the buffer is given back (FREE) and again
   * when it is taken anew. NOT_POOLED for memory the pool never gave out.
   */
  takeOf(bytes: Uint8Array): number {
    return (bytes.buffer as Marked)[STATE] ?? NOT_POOLED;
  }

  /**
   * Gives back the pooled buffer under `bytes` (any view of it) once its
   * bytes are sent. Anything else (fresh memory, a buffer given back already) is ignored.
   */
  giveBack(bytes: Uint8Array): void {
    const memory = bytes.buffer as Marked;
    const state = memory[STATE];
    if (state === undefined || state === FREE) return;
    memory[STATE] = FREE;
    if (this.free.length < MAX_FREE_REPLY_BUFFERS) this.free.push(Buffer.from(memory, 0, POOLED_REPLY_BYTES));
  }

  /** Free buffers held (tests). */
  get freeCount(): number {
    return this.free.length;
  }
}

/** The pool every answer of this thread is written to when it fits. */
export const replyBuffers = new ReplyBufferPool();
