using System.Runtime.InteropServices;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Dialogs;

/// <summary>
/// The identifier of a dialog (RFC 3261 §12): its Call-ID, local tag and remote tag, compared byte for byte
/// (ordinal). The same dialog has one identifier at each end, with the tags swapped: the UAS's local tag is the
/// To tag (§12.1.1), the UAC's is the From tag (§12.1.2).
/// </summary>
/// <remarks>
/// An identifier is one reference to one small array, however it was made: a store holding a million dialogs pays
/// for a million arrays and nothing more. The array starts with the Call-ID's hash (the one that picks its shard and
/// its slot in a dialog table, computed once here) and the lengths of the first two parts, then holds the three parts
/// as UTF-8, back to back. A lookup by identifier thus hashes nothing, and confirms a match with one compare of one
/// array whose first eight bytes already differ for almost every other Call-ID.
/// </remarks>
public readonly struct DialogId : IEquatable<DialogId>
{
    // [Call-ID hash: 8][Call-ID length: 4][local tag length: 4][Call-ID][local tag][remote tag]; native byte order,
    // since the array never leaves the process.
    private const int CallIdLengthOffset = sizeof(ulong);
    private const int LocalTagLengthOffset = CallIdLengthOffset + sizeof(int);
    private const int PartsOffset = LocalTagLengthOffset + sizeof(int);

    private readonly byte[]? _bytes;

    /// <summary>Makes an identifier from its three parts as they are on the wire.</summary>
    /// <param name="callId">The Call-ID (RFC 3261 §20.8).</param>
    /// <param name="localTag">The local tag (RFC 3261 §19.3).</param>
    /// <param name="remoteTag">The remote tag; empty for an early dialog a UAC has not yet heard a tag for.</param>
    /// <exception cref="ArgumentException"><paramref name="callId"/> is empty.</exception>
    public DialogId(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag)
    {
        if (callId.IsEmpty)
        {
            throw new ArgumentException("A dialog has a Call-ID (RFC 3261 §12).", nameof(callId));
        }

        byte[] bytes = new byte[PartsOffset + callId.Length + localTag.Length + remoteTag.Length];
        MemoryMarshal.Write(bytes, Messages.CallIdHash.Of(callId));
        MemoryMarshal.Write(bytes.AsSpan(CallIdLengthOffset), callId.Length);
        MemoryMarshal.Write(bytes.AsSpan(LocalTagLengthOffset), localTag.Length);
        callId.CopyTo(bytes.AsSpan(PartsOffset));
        localTag.CopyTo(bytes.AsSpan(PartsOffset + callId.Length));
        remoteTag.CopyTo(bytes.AsSpan(PartsOffset + callId.Length + localTag.Length));
        _bytes = bytes;
    }

    /// <summary>Makes an identifier from its three parts as text (encoded as UTF-8, as on the wire).</summary>
    /// <param name="callId">The Call-ID (RFC 3261 §20.8).</param>
    /// <param name="localTag">The local tag (RFC 3261 §19.3).</param>
    /// <param name="remoteTag">The remote tag.</param>
    /// <exception cref="ArgumentException"><paramref name="callId"/> is empty.</exception>
    public DialogId(string callId, string localTag, string remoteTag)
        : this(Encoding.UTF8.GetBytes(callId ?? throw new ArgumentNullException(nameof(callId))),
               Encoding.UTF8.GetBytes(localTag ?? throw new ArgumentNullException(nameof(localTag))),
               Encoding.UTF8.GetBytes(remoteTag ?? throw new ArgumentNullException(nameof(remoteTag))))
    {
    }

    /// <summary>The Call-ID's bytes.</summary>
    public ReadOnlySpan<byte> CallIdBytes => _bytes is null ? default : _bytes.AsSpan(PartsOffset, CallIdLength);

    /// <summary>The local tag's bytes.</summary>
    public ReadOnlySpan<byte> LocalTagBytes => _bytes is null ? default : _bytes.AsSpan(PartsOffset + CallIdLength, LocalTagLength);

    /// <summary>The remote tag's bytes.</summary>
    public ReadOnlySpan<byte> RemoteTagBytes => _bytes is null ? default : _bytes.AsSpan(PartsOffset + CallIdLength + LocalTagLength);

    /// <summary>The Call-ID, decoded (allocates).</summary>
    public string CallId => Encoding.UTF8.GetString(CallIdBytes);

    /// <summary>The local tag, decoded (allocates).</summary>
    public string LocalTag => Encoding.UTF8.GetString(LocalTagBytes);

    /// <summary>The remote tag, decoded (allocates).</summary>
    public string RemoteTag => Encoding.UTF8.GetString(RemoteTagBytes);

    /// <summary>True for <c>default(DialogId)</c>, which names no dialog.</summary>
    public bool IsDefault => _bytes is null;

    /// <summary>The hash of the Call-ID (<see cref="Messages.CallIdHash"/>), computed when the identifier was made.</summary>
    internal ulong CallIdHash => _bytes is null ? Messages.CallIdHash.Of(default) : MemoryMarshal.Read<ulong>(_bytes);

    // Only for an identifier that is not the default one.
    private int CallIdLength => MemoryMarshal.Read<int>(_bytes.AsSpan(CallIdLengthOffset));

    private int LocalTagLength => MemoryMarshal.Read<int>(_bytes.AsSpan(LocalTagLengthOffset));

    /// <summary>
    /// The identifier a UAS sees in <paramref name="message"/> (RFC 3261 §12.1.1): local tag = To tag,
    /// remote tag = From tag. Use it on an in-dialog request received, or on a response the UAS sends.
    /// </summary>
    /// <param name="message">A parsed request or response.</param>
    /// <returns>The identifier.</returns>
    public static DialogId ForUas(SipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new DialogId(message.CallIdBytes, message.ToTag, message.FromTag);
    }

    /// <summary>
    /// The identifier a UAC sees in <paramref name="message"/> (RFC 3261 §12.1.2): local tag = From tag,
    /// remote tag = To tag. Use it on a response received, or on an in-dialog request the UAC sends.
    /// </summary>
    /// <param name="message">A parsed request or response.</param>
    /// <returns>The identifier.</returns>
    public static DialogId ForUac(SipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new DialogId(message.CallIdBytes, message.FromTag, message.ToTag);
    }

    /// <summary>Whether this identifier has these three parts, byte for byte; allocates nothing.</summary>
    /// <param name="callId">The Call-ID.</param>
    /// <param name="localTag">The local tag.</param>
    /// <param name="remoteTag">The remote tag.</param>
    /// <returns>True when all three are equal.</returns>
    public bool Matches(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag) =>
        callId.SequenceEqual(CallIdBytes) && TagsMatch(localTag, remoteTag);

    /// <inheritdoc/>
    public bool Equals(DialogId other) =>
        _bytes is null || other._bytes is null
            ? _bytes == other._bytes
            : _bytes.AsSpan().SequenceEqual(other._bytes); // hash, lengths and parts: equal parts make equal prefixes

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DialogId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        if (_bytes is null)
        {
            return 0;
        }

        // HashCode is seeded per process, as is the Call-ID's hash: a peer cannot pick identifiers that collide.
        var hash = default(HashCode);
        hash.Add(CallIdHash);
        hash.Add(LocalTagLength);
        hash.AddBytes(_bytes.AsSpan(PartsOffset + CallIdLength));
        return hash.ToHashCode();
    }

    /// <summary>For logs and debugging: <c>call-id;local-tag;remote-tag</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => IsDefault ? string.Empty : $"{CallId};{LocalTag};{RemoteTag}";

    /// <summary>Whether two identifiers are equal.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(DialogId left, DialogId right) => left.Equals(right);

    /// <summary>Whether two identifiers differ.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when they differ.</returns>
    public static bool operator !=(DialogId left, DialogId right) => !left.Equals(right);

    /// <summary>
    /// Whether this identifier has these three parts, byte for byte, checking the lengths of all three at once before
    /// any bytes: the compare a table makes once a stored hash has matched.
    /// </summary>
    internal bool Is(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag)
    {
        byte[]? bytes = _bytes;
        if (bytes is null ||
            bytes.Length != PartsOffset + callId.Length + localTag.Length + remoteTag.Length ||
            MemoryMarshal.Read<ulong>(bytes.AsSpan(CallIdLengthOffset)) != Lengths(callId.Length, localTag.Length))
        {
            return false;
        }

        ReadOnlySpan<byte> parts = bytes.AsSpan(PartsOffset);
        return parts[..callId.Length].SequenceEqual(callId) &&
            parts.Slice(callId.Length, localTag.Length).SequenceEqual(localTag) &&
            parts[(callId.Length + localTag.Length)..].SequenceEqual(remoteTag);
    }

    /// <summary>
    /// The Call-ID's and the local tag's lengths as the array holds them, read as one 64-bit value. Arithmetic, not a
    /// store and a reload: a reload spanning two stores stalls until they retire, behind the miss on the array.
    /// </summary>
    private static ulong Lengths(int callIdLength, int localTagLength) =>
        BitConverter.IsLittleEndian
            ? (uint)callIdLength | ((ulong)(uint)localTagLength << 32)
            : ((ulong)(uint)callIdLength << 32) | (uint)localTagLength;

    /// <summary>Whether the tags are these, byte for byte, ignoring the Call-ID (which the caller has matched).</summary>
    internal bool TagsMatch(ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag) =>
        localTag.SequenceEqual(LocalTagBytes) && remoteTag.SequenceEqual(RemoteTagBytes);
}
