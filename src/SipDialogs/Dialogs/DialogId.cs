using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Dialogs;

/// <summary>
/// The identifier of a dialog (RFC 3261 §12): its Call-ID, local tag and remote tag, compared byte for byte
/// (ordinal). The same dialog has one identifier at each end, with the tags swapped: the UAS's local tag is the
/// To tag (§12.1.1), the UAC's is the From tag (§12.1.2).
/// </summary>
/// <remarks>
/// The three parts are kept as UTF-8 in one array, so an identifier costs one small object however it was made:
/// a store holding a million dialogs pays for a million identifiers.
/// </remarks>
public readonly struct DialogId : IEquatable<DialogId>
{
    // Call-ID, then local tag, then remote tag, back to back.
    private readonly byte[]? _bytes;
    private readonly int _callIdLength;
    private readonly int _localTagLength;

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

        byte[] bytes = new byte[callId.Length + localTag.Length + remoteTag.Length];
        callId.CopyTo(bytes);
        localTag.CopyTo(bytes.AsSpan(callId.Length));
        remoteTag.CopyTo(bytes.AsSpan(callId.Length + localTag.Length));
        _bytes = bytes;
        _callIdLength = callId.Length;
        _localTagLength = localTag.Length;
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
    public ReadOnlySpan<byte> CallIdBytes => _bytes.AsSpan(0, _callIdLength);

    /// <summary>The local tag's bytes.</summary>
    public ReadOnlySpan<byte> LocalTagBytes => _bytes.AsSpan(_callIdLength, _localTagLength);

    /// <summary>The remote tag's bytes.</summary>
    public ReadOnlySpan<byte> RemoteTagBytes => _bytes.AsSpan(_callIdLength + _localTagLength);

    /// <summary>The Call-ID, decoded (allocates).</summary>
    public string CallId => Encoding.UTF8.GetString(CallIdBytes);

    /// <summary>The local tag, decoded (allocates).</summary>
    public string LocalTag => Encoding.UTF8.GetString(LocalTagBytes);

    /// <summary>The remote tag, decoded (allocates).</summary>
    public string RemoteTag => Encoding.UTF8.GetString(RemoteTagBytes);

    /// <summary>True for <c>default(DialogId)</c>, which names no dialog.</summary>
    public bool IsDefault => _bytes is null;

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
        _callIdLength == other._callIdLength && _localTagLength == other._localTagLength &&
        _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DialogId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        // HashCode is seeded per process: a peer cannot pick Call-IDs and tags that collide in a table.
        var hash = default(HashCode);
        hash.AddBytes(_bytes);
        hash.Add(_callIdLength);
        hash.Add(_localTagLength);
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

    /// <summary>Whether the tags are these, byte for byte, ignoring the Call-ID (which the caller has matched).</summary>
    internal bool TagsMatch(ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag) =>
        localTag.SequenceEqual(LocalTagBytes) && remoteTag.SequenceEqual(RemoteTagBytes);
}
