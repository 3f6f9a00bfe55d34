using SipDialogs.Messages;

namespace SipDialogs.Dialogs;

/// <summary>
/// Compares dialog identifiers by their Call-ID alone, byte for byte (RFC 3261 §20.8), and looks them up by a Call-ID
/// span without allocating, for a <see cref="Dictionary{TKey, TValue}"/> with one entry per Call-ID. Hashing is
/// <see cref="CallIdHash"/>, keyed per process, so a peer cannot choose Call-IDs that collide in the table; an
/// identifier's hash was computed when it was made.
/// </summary>
internal sealed class DialogCallIdComparer : IEqualityComparer<DialogId>, IAlternateEqualityComparer<ReadOnlySpan<byte>, DialogId>
{
    public static DialogCallIdComparer Instance { get; } = new();

    public bool Equals(DialogId x, DialogId y) => x.CallIdBytes.SequenceEqual(y.CallIdBytes);

    public int GetHashCode(DialogId obj) => Fold(obj.CallIdHash);

    public bool Equals(ReadOnlySpan<byte> alternate, DialogId other) => alternate.SequenceEqual(other.CallIdBytes);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Fold(CallIdHash.Of(alternate));

    /// <summary>Not used: a store adds dialogs by their identifier, never by a bare Call-ID.</summary>
    public DialogId Create(ReadOnlySpan<byte> alternate) =>
        throw new NotSupportedException("A dialog store adds dialogs by identifier.");

    private static int Fold(ulong hash) => (int)hash ^ (int)(hash >> 32);
}
