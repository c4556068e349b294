// Storage for the columns of the arrays a scan finds, reused by every scan: fresh columns for the
// ~17k members of a 100k-token output (~1.5 MB with their growth) were most of what optimizing a
// request allocated, for V8 to collect. A scan's arrays hold until the next scan starts.

/** Columns longer than this are dropped at the next scan rather than kept (13 bytes a slot). */
const KEPT_SLOTS = 1 << 20;
const ITEM_SLOTS = 1024;
const MEMBER_SLOTS = 8192;

function resized<T extends Int32Array | Uint8Array>(column: T, size: number, used: number): T {
  const copy = (column instanceof Int32Array ? new Int32Array(size) : new Uint8Array(size)) as T;
  copy.set(column.subarray(0, used));
  return copy;
}

export class ScanColumns {
  /** Slots used, by items (with one more per array for its end) and by members. */
  items = 0;
  members = 0;
  itemStart: Int32Array = new Int32Array(ITEM_SLOTS);
  itemEnd: Int32Array = new Int32Array(ITEM_SLOTS);
  itemKind: Uint8Array = new Uint8Array(ITEM_SLOTS);
  /** Per item slot, the first member of the item, counted from its array's first member. */
  firstMember: Int32Array = new Int32Array(ITEM_SLOTS);
  memberKey: Int32Array = new Int32Array(MEMBER_SLOTS);
  memberKind: Uint8Array = new Uint8Array(MEMBER_SLOTS);
  memberStart: Int32Array = new Int32Array(MEMBER_SLOTS);
  memberEnd: Int32Array = new Int32Array(MEMBER_SLOTS);

  /** Starts a scan: the slots of the previous scan's arrays are free again. */
  reset(): void {
    this.items = 0;
    this.members = 0;
    if (this.itemStart.length > KEPT_SLOTS) this.growItems(ITEM_SLOTS);
    if (this.memberKey.length > KEPT_SLOTS) this.growMembers(MEMBER_SLOTS);
  }

  /** Takes the next item slot, its first member set (callers fill the rest). */
  addItemSlot(firstMember: number): number {
    const k = this.items++;
    if (k === this.itemStart.length) this.growItems(k * 2);
    this.firstMember[k] = firstMember;
    return k;
  }

  addMember(key: number, kind: number, start: number, end: number): void {
    const m = this.members++;
    if (m === this.memberKey.length) this.growMembers(m * 2);
    this.memberKey[m] = key;
    this.memberKind[m] = kind;
    this.memberStart[m] = start;
    this.memberEnd[m] = end;
  }

  /** New item columns of `size` slots, the used ones copied (none after a reset). */
  private growItems(size: number): void {
    this.itemStart = resized(this.itemStart, size, this.items);
    this.itemEnd = resized(this.itemEnd, size, this.items);
    this.itemKind = resized(this.itemKind, size, this.items);
    this.firstMember = resized(this.firstMember, size, this.items);
  }

  private growMembers(size: number): void {
    this.memberKey = resized(this.memberKey, size, this.members);
    this.memberKind = resized(this.memberKind, size, this.members);
    this.memberStart = resized(this.memberStart, size, this.members);
    this.memberEnd = resized(this.memberEnd, size, this.members);
  }
}

/** The one storage: scans run one at a time, each used up before the next begins. */
export const scanColumns = new ScanColumns();
