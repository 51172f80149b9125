/**
 * A batch of key/value rows for one `TableTxn.insertMany` call (pure): rows are written straight
 * into one growing buffer as `[u32 LE key length][key][u32 LE value length][value]`, the layout the
 * WiredTiger shim inserts in one FFI call. The oplog writes a batch's entries this way: one buffer
 * and one crossing for 1,000 entries instead of 1,000 allocations and calls.
 */
export class RowBatch {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;
  #count = 0;

  constructor(capacity = 4096) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  get count(): number {
    return this.#count;
  }

  /** The packed rows (a view: valid until the next append). */
  get bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /**
   * Reserves one row of `keyLength` + `valueLength` bytes and returns the buffer with the offsets
   * of its key and value for the caller to fill (every byte of both, before the next append).
   */
  reserve(keyLength: number, valueLength: number): { buf: Uint8Array; key: number; value: number } {
    if (keyLength <= 0) throw new RangeError("RowBatch: keys must not be empty");
    const need = this.#len + 8 + keyLength + valueLength;
    if (need > this.#buf.length) this.#grow(need);
    const key = this.#len + 4;
    this.#view.setUint32(this.#len, keyLength, true);
    const value = key + keyLength + 4;
    this.#view.setUint32(key + keyLength, valueLength, true);
    this.#len = need;
    this.#count++;
    return { buf: this.#buf, key, value };
  }

  /**
   * Empties the batch for reuse, keeping its buffer (one allocation for many batches: a fresh
   * multi-megabyte buffer per commit is zero-filled memory the kernel must fault in). Ensures room
   * for `capacity` bytes; a buffer past `maxKeep` bytes is dropped for a new one.
   */
  reset(capacity = 0, maxKeep = 16 << 20): void {
    this.#len = 0;
    this.#count = 0;
    if (this.#buf.length > maxKeep && capacity <= maxKeep) {
      this.#buf = new Uint8Array(Math.max(capacity, 4096));
    } else if (capacity > this.#buf.length) this.#buf = new Uint8Array(capacity);
    else return;
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Appends a copy of one row. */
  add(key: Uint8Array, value: Uint8Array): void {
    const r = this.reserve(key.length, value.length);
    r.buf.set(key, r.key);
    r.buf.set(value, r.value);
  }

  #grow(need: number): void {
    const next = new Uint8Array(Math.max(need, this.#buf.length * 2));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}
