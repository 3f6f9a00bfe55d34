using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SipDialogs.Sdp;

/// <summary>
/// The <c>o=</c> line (RFC 8866 §5.2): who made the description and which version of it this is. An agent keeps
/// the username, session id and address of its descriptions in one session and raises the version by one each
/// time the description changes (RFC 3264 §5, §8).
/// </summary>
public sealed class SdpOrigin : IEquatable<SdpOrigin>
{
    /// <summary>Creates an origin.</summary>
    /// <param name="username">The user's login, or <c>"-"</c> (no spaces).</param>
    /// <param name="sessionId">The session id: digits (RFC 8866 §5.2), e.g. an NTP timestamp.</param>
    /// <param name="sessionVersion">The version of the description.</param>
    /// <param name="address">The address of the host that made the session (no spaces).</param>
    /// <param name="networkType">The network type, <c>"IN"</c>.</param>
    /// <param name="addressType">The address type, <c>"IP4"</c> or <c>"IP6"</c>; from <paramref name="address"/> when null.</param>
    /// <exception cref="ArgumentException">A field does not follow RFC 8866 §9.</exception>
    public SdpOrigin(string username, string sessionId, ulong sessionVersion, string address, string networkType = "IN", string? addressType = null)
    {
        SdpGrammar.ThrowIfNotNonWhitespace(username, nameof(username));
        ArgumentNullException.ThrowIfNull(sessionId);
        if (sessionId.Length == 0 || sessionId.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0)
        {
            throw new ArgumentException("The session id is digits (RFC 8866 §5.2).", nameof(sessionId));
        }

        SdpGrammar.ThrowIfNotNonWhitespace(address, nameof(address));
        SdpGrammar.ThrowIfNotToken(networkType, nameof(networkType));
        addressType ??= SdpConnection.AddressTypeOf(address);
        SdpGrammar.ThrowIfNotToken(addressType, nameof(addressType));
        Username = username;
        SessionId = sessionId;
        SessionVersion = sessionVersion;
        NetworkType = networkType;
        AddressType = addressType;
        Address = address;
    }

    private SdpOrigin(SdpOrigin other, ulong version)
    {
        Username = other.Username;
        SessionId = other.SessionId;
        SessionVersion = version;
        NetworkType = other.NetworkType;
        AddressType = other.AddressType;
        Address = other.Address;
    }

    /// <summary>The username, <c>"-"</c> when the host has no notion of one.</summary>
    public string Username { get; }

    /// <summary>The session id (digits, kept as written: some agents use more than 64 bits' worth).</summary>
    public string SessionId { get; }

    /// <summary>The version of the description; raised by one on each change (RFC 3264 §8).</summary>
    public ulong SessionVersion { get; }

    /// <summary>The network type, <c>"IN"</c>.</summary>
    public string NetworkType { get; }

    /// <summary>The address type, <c>"IP4"</c> or <c>"IP6"</c>.</summary>
    public string AddressType { get; }

    /// <summary>The address of the originating host.</summary>
    public string Address { get; }

    /// <summary>This origin with another version.</summary>
    /// <param name="sessionVersion">The version.</param>
    /// <returns>The origin.</returns>
    public SdpOrigin WithVersion(ulong sessionVersion) => new(this, sessionVersion);

    /// <summary>The value of the <c>o=</c> line: <c>alice 2890844526 2890844526 IN IP4 host.example.com</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Username} {SessionId} {SessionVersion} {NetworkType} {AddressType} {Address}");

    /// <inheritdoc/>
    public bool Equals([NotNullWhen(true)] SdpOrigin? other) =>
        other is not null && Username == other.Username && SessionId == other.SessionId && SessionVersion == other.SessionVersion &&
        NetworkType == other.NetworkType && AddressType == other.AddressType && Address == other.Address;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => Equals(obj as SdpOrigin);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Username, SessionId, SessionVersion, Address);

    /// <summary>Reads the value of an <c>o=</c> line; false when it does not follow RFC 8866 §5.2.</summary>
    internal static bool TryParse(string value, [NotNullWhen(true)] out SdpOrigin? origin)
    {
        origin = null;
        ReadOnlySpan<char> text = value;
        Span<Range> f = stackalloc Range[6];
        if (!SdpGrammar.TrySplit(text, f) ||
            !SdpGrammar.IsNonWhitespace(text[f[0]]) ||
            text[f[1]].IndexOfAnyExceptInRange('0', '9') >= 0 ||
            !SdpGrammar.TryParseUInt64(text[f[2]], out ulong version) ||
            !SdpGrammar.IsToken(text[f[3]]) || !SdpGrammar.IsToken(text[f[4]]) ||
            !SdpGrammar.IsNonWhitespace(text[f[5]]))
        {
            return false;
        }

        origin = new SdpOrigin(value[f[0]], value[f[1]], version, value[f[5]], value[f[3]], value[f[4]]);
        return true;
    }
}
