namespace SipDialogs.Dialogs;

/// <summary>
/// Compares dialog identifiers by their Call-ID alone, byte for byte (RFC 3261 §20.8), and looks them up by a Call-ID
/// span without allocating: a store keys one entry per Call-ID and chains the dialogs that share it. Hashing is
/// <see cref="HashCode"/>, seeded per process, so a peer cannot choose Call-IDs that collide in the table.
/// </summary>
internal sealed class DialogCallIdComparer : IEqualityComparer<DialogId>, IAlternateEqualityComparer<ReadOnlySpan<byte>, DialogId>
{
    public static DialogCallIdComparer Instance { get; } = new();

    public bool Equals(DialogId x, DialogId y) => x.CallIdBytes.SequenceEqual(y.CallIdBytes);

    public int GetHashCode(DialogId obj) => Hash(obj.CallIdBytes);

    public bool Equals(ReadOnlySpan<byte> alternate, DialogId other) => alternate.SequenceEqual(other.CallIdBytes);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    /// <summary>Not used: a store adds dialogs by their identifier, never by a bare Call-ID.</summary>
    public DialogId Create(ReadOnlySpan<byte> alternate) =>
        throw new NotSupportedException("A dialog store adds dialogs by identifier.");

    private static int Hash(ReadOnlySpan<byte> callId)
    {
        var hash = default(HashCode);
        hash.AddBytes(callId);
        return hash.ToHashCode();
    }
}
