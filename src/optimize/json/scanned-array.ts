// The items of one big JSON array found by the scan, and the top-level members of its object
// items, column by column: one object per member (tens of thousands in a 100k-token output) cost
// more to allocate and collect than the scan itself.
import { scanColumns } from './scan-columns.ts';

/** The kind of a JSON value. */
export const OBJECT = 1;
export const ARRAY = 2;
export const STRING = 3;
export const NUMBER = 4;
export const TRUE = 5;
export const FALSE = 6;
export const NULL = 7;

const NO_INTS = new Int32Array(0);
const NO_BYTES = new Uint8Array(0);

/**
 * The root array (key undefined) or an array member of the root object; `end` is past its `]`.
 * Item k spans `itemStart[k]..itemEnd[k]`; its members are `firstMember[k]` up to
 * `firstMember[k + 1]` (none unless it is an object); a member's key is `keys[memberKey[m]]`. The
 * columns are views of the scans' shared storage (scan-columns.ts), set when the array closes.
 */
export class ScannedArray {
  end = -1;
  length = 0;
  memberCount = 0;
  itemStart: Int32Array = NO_INTS;
  itemEnd: Int32Array = NO_INTS;
  itemKind: Uint8Array = NO_BYTES;
  firstMember: Int32Array = NO_INTS;
  memberKey: Int32Array = NO_INTS;
  memberKind: Uint8Array = NO_BYTES;
  memberStart: Int32Array = NO_INTS;
  memberEnd: Int32Array = NO_INTS;
  /** The distinct keys, by first appearance, and where each first appears in the text. */
  readonly keys: string[] = [];
  private readonly keyAt: number[] = [];
  private readonly keyLength: number[] = [];
  private readonly keyIds = new Map<string, number>();
  /** The members of the last object item: similar items repeat their keys in the same order. */
  private previousFirst = 0;
  private previousCount = 0;
  /** The first member of the item being scanned. */
  private itemMembers = 0;
  /** Where this array's items and members start in the shared storage. */
  private readonly itemBase: number;
  private readonly memberBase: number;

  readonly key: string | undefined;
  readonly start: number;
  /** The code units of the whole text (code-units.ts). */
  readonly codes: Uint16Array;

  constructor(key: string | undefined, start: number, codes: Uint16Array) {
    this.key = key;
    this.start = start;
    this.codes = codes;
    this.memberBase = scanColumns.members;
    this.itemBase = scanColumns.addItemSlot(0);
  }

  /**
   * The id of the key whose text starts at `start` (past its opening quote) when it repeats the
   * previous item's key at this place, the closing quote included; else -1. Similar items repeat
   * their keys in order, so this is checked while reading the key, not after finding its end.
   */
  repeatedKey(codes: Uint16Array, start: number): number {
    const place = this.memberCount - this.itemMembers;
    if (place >= this.previousCount) return -1;
    const id = scanColumns.memberKey[this.memberBase + this.previousFirst + place]!;
    const at = this.keyAt[id]!;
    const length = this.keyLength[id]!;
    if (start + length >= codes.length) return -1;
    for (let j = 0; j < length; j++) if (codes[start + j] !== codes[at + j]) return -1;
    return codes[start + length] === 34 ? id : -1;
  }

  /** The length of the key's raw text. */
  lengthOf(id: number): number {
    return this.keyLength[id]!;
  }

  /** The id of the key whose raw text is `text[start..end]`. */
  keyId(text: string, start: number, end: number): number {
    const key = text.slice(start, end);
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.keys.push(key);
      this.keyAt.push(start);
      this.keyLength.push(end - start);
      this.keyIds.set(key, id);
    }
    return id;
  }

  /** The id of a key, or -1 when no member has it. */
  idOf(key: string): number {
    return this.keyIds.get(key) ?? -1;
  }

  addMember(key: number, kind: number, start: number, end: number): void {
    this.memberCount++;
    scanColumns.addMember(key, kind, start, end);
  }

  /** Adds the next item; the members added since the previous item are its own. */
  addItem(kind: number, start: number, end: number): void {
    const columns = scanColumns;
    const k = columns.items - 1; // the slot the previous item (or the array) opened
    columns.itemStart[k] = start;
    columns.itemEnd[k] = end;
    columns.itemKind[k] = kind;
    columns.addItemSlot(this.memberCount);
    this.length++;
    if (kind === OBJECT) {
      this.previousFirst = this.itemMembers;
      this.previousCount = this.memberCount - this.itemMembers;
    }
    this.itemMembers = this.memberCount;
  }

  /** Ends the array at `end`: its columns become views of what the scan stored. */
  close(end: number): void {
    this.end = end;
    const c = scanColumns;
    const items = this.itemBase + this.length;
    const members = this.memberBase + this.memberCount;
    this.itemStart = c.itemStart.subarray(this.itemBase, items);
    this.itemEnd = c.itemEnd.subarray(this.itemBase, items);
    this.itemKind = c.itemKind.subarray(this.itemBase, items);
    this.firstMember = c.firstMember.subarray(this.itemBase, items + 1);
    this.memberKey = c.memberKey.subarray(this.memberBase, members);
    this.memberKind = c.memberKind.subarray(this.memberBase, members);
    this.memberStart = c.memberStart.subarray(this.memberBase, members);
    this.memberEnd = c.memberEnd.subarray(this.memberBase, members);
  }

  /** The index of the first member of item k with the key, or -1. */
  memberOf(k: number, key: number): number {
    const to = this.firstMember[k + 1]!;
    for (let m = this.firstMember[k]!; m < to; m++) if (this.memberKey[m] === key) return m;
    return -1;
  }
}
