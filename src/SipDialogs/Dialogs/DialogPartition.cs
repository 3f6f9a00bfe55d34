using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Dialogs;

/// <summary>
/// One shard's dialogs: an open-addressing table with one entry per Call-ID, read and written by that shard's thread
/// only. Every method takes the Call-ID's hash (<see cref="DialogId.CallIdHash"/>, or
/// <see cref="Messages.CallIdHash.Of"/> of a received Call-ID), computed once by the caller, who used it to pick the shard.
/// </summary>
/// <remarks>
/// <para>
/// Each slot holds the hash, the identifier of the Call-ID's first dialog and that dialog, inline in one array of
/// 24-byte structs, probed linearly from the slot the hash's low bits name. A probe reads a slot's hash first and
/// looks at stored bytes only when all 64 bits match, so a lookup for an unknown Call-ID reads one or two cache lines
/// of the table and nothing else, and a hit reads one slot and one identifier array, never the dialog itself.
/// </para>
/// <para>
/// The dialogs of an INVITE that forked (same Call-ID and local tag, one remote tag each, RFC 3261 §12.1.2) share the
/// slot through a small list; the table knows a dialog only by its <see cref="Dialog.Id"/>, never its other fields.
/// </para>
/// <para>
/// Removal shifts the rest of a probe run back instead of leaving a tombstone, so runs stay as short as the load
/// allows however many calls come and go. The table doubles at three-quarters full and never shrinks: a server's
/// peak is its steady state.
/// </para>
/// </remarks>
internal sealed class DialogPartition
{
    private const int MinimumCapacity = 16;

    private Slot[] _slots;
    private int _callIds;
    private int _growAt;

    /// <summary>Creates an empty partition.</summary>
    /// <param name="capacity">Call-IDs it holds before it grows.</param>
    public DialogPartition(int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        int slots = MinimumCapacity;
        while (slots / 4 * 3 < capacity)
        {
            slots *= 2;
        }

        _slots = new Slot[slots];
        _growAt = slots / 4 * 3;
    }

    /// <summary>Call-IDs held: one per entry, however many forks each has.</summary>
    public int CallIdCount => _callIds;

    /// <summary>Slots in the table: a power of two.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Adds a dialog, as the first of its Call-ID or as a fork of the dialogs already held under it.</summary>
    /// <param name="hash">The hash of the dialog's Call-ID.</param>
    /// <param name="dialog">The dialog.</param>
    /// <returns>False when a dialog with the same identifier is already held.</returns>
    public bool TryAdd(ulong hash, Dialog dialog)
    {
        DialogId id = dialog.Id;
        int index = Find(hash, id.CallIdBytes);
        if (index >= 0)
        {
            ref Slot slot = ref _slots[index];
            ReadOnlySpan<byte> localTag = id.LocalTagBytes;
            ReadOnlySpan<byte> remoteTag = id.RemoteTagBytes;
            if (slot.Id.TagsMatch(localTag, remoteTag) || (slot.Value is Forks held && held.IndexOf(localTag, remoteTag) >= 0))
            {
                return false;
            }

            // A fork: the slot keeps naming the first dialog, and its value becomes (or grows) the list of them all.
            Forks forks = slot.Value as Forks ?? new Forks((Dialog)slot.Value!);
            forks.Add(dialog);
            slot = new Slot(hash, slot.Id, forks);
            return true;
        }

        if (_callIds >= _growAt)
        {
            Grow();
        }

        _slots[FreeSlot(_slots, hash)] = new Slot(hash, id, dialog);
        _callIds++;
        return true;
    }

    /// <summary>Finds the dialog with this identifier.</summary>
    /// <param name="hash">The hash of its Call-ID.</param>
    /// <param name="id">The identifier.</param>
    /// <param name="dialog">The dialog, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGet(ulong hash, in DialogId id, [NotNullWhen(true)] out Dialog? dialog)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        for (int i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            ref Slot slot = ref slots[i];
            if (slot.Value is null)
            {
                break;
            }

            if (slot.Hash == hash)
            {
                // The usual case, one dialog per Call-ID: one compare of two arrays settles it.
                if (slot.Id.Equals(id))
                {
                    dialog = slot.First;
                    return true;
                }

                if (slot.Id.CallIdBytes.SequenceEqual(id.CallIdBytes))
                {
                    return TryGetFork(slot.Value, id.LocalTagBytes, id.RemoteTagBytes, out dialog);
                }
            }
        }

        dialog = null;
        return false;
    }

    /// <summary>Finds a dialog by the parts of its identifier, as read from a received message.</summary>
    /// <param name="hash">The hash of <paramref name="callId"/>.</param>
    /// <param name="callId">The Call-ID.</param>
    /// <param name="localTag">The local tag.</param>
    /// <param name="remoteTag">The remote tag.</param>
    /// <param name="dialog">The dialog, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGet(ulong hash, ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [NotNullWhen(true)] out Dialog? dialog)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        for (int i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            ref Slot slot = ref slots[i];
            if (slot.Value is null)
            {
                break;
            }

            if (slot.Hash == hash)
            {
                // The usual case, one dialog per Call-ID: one pass over one stored array settles it.
                if (slot.Id.Is(callId, localTag, remoteTag))
                {
                    dialog = slot.First;
                    return true;
                }

                if (slot.Id.CallIdBytes.SequenceEqual(callId))
                {
                    return TryGetFork(slot.Value, localTag, remoteTag, out dialog);
                }
            }
        }

        dialog = null;
        return false;
    }

    /// <summary>Appends every dialog of a Call-ID to <paramref name="into"/>.</summary>
    /// <param name="hash">The hash of <paramref name="callId"/>.</param>
    /// <param name="callId">The Call-ID.</param>
    /// <param name="into">Where they are appended.</param>
    /// <returns>How many were appended.</returns>
    public int GetAll(ulong hash, ReadOnlySpan<byte> callId, List<Dialog> into)
    {
        int index = Find(hash, callId);
        if (index < 0)
        {
            return 0;
        }

        object value = _slots[index].Value!;
        if (value is Forks forks)
        {
            forks.CopyTo(into);
            return forks.Count;
        }

        into.Add((Dialog)value);
        return 1;
    }

    /// <summary>Removes the dialog with this identifier.</summary>
    /// <param name="hash">The hash of its Call-ID.</param>
    /// <param name="id">The identifier.</param>
    /// <returns>Whether it was held.</returns>
    public bool Remove(ulong hash, in DialogId id)
    {
        int index = Find(hash, id.CallIdBytes);
        if (index < 0)
        {
            return false;
        }

        ref Slot slot = ref _slots[index];
        ReadOnlySpan<byte> localTag = id.LocalTagBytes;
        ReadOnlySpan<byte> remoteTag = id.RemoteTagBytes;
        if (slot.Value is not Forks forks)
        {
            if (!slot.Id.TagsMatch(localTag, remoteTag))
            {
                return false;
            }

            RemoveAt(index);
            return true;
        }

        int at = forks.IndexOf(localTag, remoteTag);
        if (at < 0)
        {
            return false;
        }

        forks.RemoveAt(at);
        // The slot names the first fork left; a last one stands alone again. Same Call-ID, so same hash and slot.
        Dialog first = forks[0];
        slot = new Slot(hash, first.Id, forks.Count == 1 ? first : forks);
        return true;
    }

    private static bool TryGetFork(object value, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [NotNullWhen(true)] out Dialog? dialog)
    {
        if (value is Forks forks && forks.IndexOf(localTag, remoteTag) is int at and >= 0)
        {
            dialog = forks[at];
            return true;
        }

        dialog = null;
        return false;
    }

    /// <summary>The slot of a Call-ID, or -1.</summary>
    private int Find(ulong hash, ReadOnlySpan<byte> callId)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        for (int i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            ref Slot slot = ref slots[i];
            if (slot.Value is null)
            {
                return -1;
            }

            if (slot.Hash == hash && slot.Id.CallIdBytes.SequenceEqual(callId))
            {
                return i;
            }
        }
    }

    /// <summary>The first empty slot of a hash's probe run; the table always has one (it grows before it fills).</summary>
    private static int FreeSlot(Slot[] slots, ulong hash)
    {
        int mask = slots.Length - 1;
        int i = (int)hash & mask;
        while (slots[i].Value is not null)
        {
            i = (i + 1) & mask;
        }

        return i;
    }

    /// <summary>
    /// Empties a slot and moves back each later entry of its run that may sit there (its home slot is not between the
    /// hole and it), so that no probe run has a gap and no tombstone is needed.
    /// </summary>
    private void RemoveAt(int hole)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        for (int i = (hole + 1) & mask; slots[i].Value is not null; i = (i + 1) & mask)
        {
            int home = (int)slots[i].Hash & mask;
            if (((i - home) & mask) >= ((i - hole) & mask))
            {
                slots[hole] = slots[i];
                hole = i;
            }
        }

        slots[hole] = default;
        _callIds--;
    }

    private void Grow()
    {
        Slot[] old = _slots;
        var slots = new Slot[old.Length * 2];
        for (int i = 0; i < old.Length; i++)
        {
            if (old[i].Value is not null)
            {
                slots[FreeSlot(slots, old[i].Hash)] = old[i];
            }
        }

        _slots = slots;
        _growAt = slots.Length / 4 * 3;
    }

    /// <summary>
    /// One Call-ID: its hash, its first dialog's identifier (read without touching the dialog) and either that dialog
    /// or, for an INVITE that forked, the <see cref="Forks"/> that hold them all.
    /// </summary>
    private readonly struct Slot(ulong hash, DialogId id, object value)
    {
        public readonly ulong Hash = hash;
        public readonly DialogId Id = id;
        public readonly object? Value = value;

        /// <summary>The dialog the slot's identifier names.</summary>
        public Dialog First => Value as Dialog ?? ((Forks)Value!)[0];
    }

    /// <summary>The dialogs of one Call-ID when an INVITE forked: rare, so a plain list, the first being the slot's.</summary>
    private sealed class Forks
    {
        private readonly List<Dialog> _dialogs;

        public Forks(Dialog first) => _dialogs = new List<Dialog>(2) { first };

        public int Count => _dialogs.Count;

        public Dialog this[int index] => _dialogs[index];

        public void Add(Dialog dialog) => _dialogs.Add(dialog);

        public void RemoveAt(int index) => _dialogs.RemoveAt(index);

        public void CopyTo(List<Dialog> into) => into.AddRange(_dialogs);

        public int IndexOf(ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag)
        {
            for (int i = 0; i < _dialogs.Count; i++)
            {
                if (_dialogs[i].Id.TagsMatch(localTag, remoteTag))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
