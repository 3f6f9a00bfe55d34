using System.Diagnostics.CodeAnalysis;

namespace SipDialogs.Sdp;

/// <summary>
/// A <c>c=&lt;nettype&gt; &lt;addrtype&gt; &lt;connection-address&gt;</c> line (RFC 8866 §5.7): where media is to be
/// sent, at session level or for one media description.
/// </summary>
public sealed class SdpConnection : IEquatable<SdpConnection>
{
    /// <summary>Creates a connection line.</summary>
    /// <param name="address">The address (a multicast address may carry <c>/ttl</c> and <c>/count</c>).</param>
    /// <param name="networkType">The network type, <c>"IN"</c>.</param>
    /// <param name="addressType">The address type, <c>"IP4"</c> or <c>"IP6"</c>; from <paramref name="address"/> when null.</param>
    /// <exception cref="ArgumentException">A field does not follow RFC 8866 §9.</exception>
    public SdpConnection(string address, string networkType = "IN", string? addressType = null)
    {
        SdpGrammar.ThrowIfNotNonWhitespace(address, nameof(address));
        SdpGrammar.ThrowIfNotToken(networkType, nameof(networkType));
        addressType ??= AddressTypeOf(address);
        SdpGrammar.ThrowIfNotToken(addressType, nameof(addressType));
        Address = address;
        NetworkType = networkType;
        AddressType = addressType;
    }

    /// <summary>The network type, <c>"IN"</c>.</summary>
    public string NetworkType { get; }

    /// <summary>The address type, <c>"IP4"</c> or <c>"IP6"</c>.</summary>
    public string AddressType { get; }

    /// <summary>The connection address as written.</summary>
    public string Address { get; }

    /// <summary>
    /// True for <c>c=IN IP4 0.0.0.0</c>: the old way to put a stream on hold, which RFC 3264 §8.4 still asks an
    /// answerer to understand (the offerer will not receive media).
    /// </summary>
    public bool IsUnspecified => Address == "0.0.0.0" && AddressType == "IP4";

    /// <summary>The value of the line: <c>IN IP4 192.0.2.1</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => NetworkType + " " + AddressType + " " + Address;

    /// <inheritdoc/>
    public bool Equals([NotNullWhen(true)] SdpConnection? other) =>
        other is not null && Address == other.Address && NetworkType == other.NetworkType && AddressType == other.AddressType;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => Equals(obj as SdpConnection);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Address, AddressType);

    /// <summary><c>"IP6"</c> for an address with a colon, else <c>"IP4"</c> (a dotted quad or a host name).</summary>
    internal static string AddressTypeOf(string address) => address.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";

    /// <summary>Reads the value of a <c>c=</c> line; false when it does not follow RFC 8866 §5.7.</summary>
    internal static bool TryParse(string value, [NotNullWhen(true)] out SdpConnection? connection)
    {
        connection = null;
        ReadOnlySpan<char> text = value;
        Span<Range> f = stackalloc Range[3];
        if (!SdpGrammar.TrySplit(text, f) || !SdpGrammar.IsToken(text[f[0]]) || !SdpGrammar.IsToken(text[f[1]]) ||
            !SdpGrammar.IsNonWhitespace(text[f[2]]))
        {
            return false;
        }

        connection = new SdpConnection(value[f[2]], value[f[0]], value[f[1]]);
        return true;
    }
}
