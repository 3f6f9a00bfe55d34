using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>
/// The <c>received</c> and <c>rport</c> Via parameters a server adds (RFC 3261 §18.2.1, RFC 3581 §4), written into
/// the responses it sends. A parsed request is immutable, so the transport does not rewrite it: it reports where the
/// request came from (<see cref="InboundMessage.Remote"/>) and whoever builds a response writes the stamped top
/// Via with <see cref="WriteTo(SipMessageBuilder, InboundMessage)"/> (or builds the response with <see cref="ResponseTo"/>).
/// </summary>
/// <remarks>
/// <para>
/// RFC 3261 §18.2.1: when the top Via's sent-by host is a domain name or an address other than the packet's source,
/// the server adds <c>received</c> with the source address. RFC 3581 §4: when the top Via carries <c>rport</c>, the
/// server fills it in with the source port and adds <c>received</c> even if it equals sent-by. The response's Via
/// values must otherwise equal the request's (RFC 3261 §8.2.6.2), so only the top one changes.
/// </para>
/// <para>
/// Usage by the transaction layer: <c>var response = ViaReceivedParameters.ResponseTo(inbound, 200, null, tag)</c>,
/// add headers, write it, and pass <c>inbound</c> to <see cref="ISipTransportLayer.SendResponseAsync(ReadOnlyMemory{byte}, ViaHeader, InboundMessage, CancellationToken)"/>; or call
/// <see cref="WriteTo(SipMessageBuilder, InboundMessage)"/> on a builder made by <see cref="SipMessageBuilder.ResponseTo"/>.
/// </para>
/// </remarks>
internal static class ViaReceivedParameters
{
    /// <summary>Whether the top Via of a request from <paramref name="source"/> needs <c>received</c> (and <c>rport</c>) added.</summary>
    /// <param name="topVia">The request's top Via.</param>
    /// <param name="source">The source address of the request's packet or connection.</param>
    /// <returns>True when RFC 3261 §18.2.1 or RFC 3581 §4 asks for them.</returns>
    public static bool AreNeeded(ViaHeader topVia, IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(topVia);
        ArgumentNullException.ThrowIfNull(source);
        return topVia.HasRport || !IsSameAddress(topVia.Host, source);
    }

    /// <summary>
    /// The top Via as a response to a request from <paramref name="source"/> must carry it: a copy with
    /// <c>received</c> (and the <c>rport</c> value) set, or <paramref name="topVia"/> itself when nothing is to be added.
    /// </summary>
    /// <param name="topVia">The request's top Via; not changed.</param>
    /// <param name="source">Where the request came from.</param>
    /// <returns>The Via for the response.</returns>
    public static ViaHeader Apply(ViaHeader topVia, IPEndPoint source)
    {
        ArgumentNullException.ThrowIfNull(topVia);
        ArgumentNullException.ThrowIfNull(source);
        if (!AreNeeded(topVia, source.Address))
        {
            return topVia;
        }

        // The request's Via objects are shared by everyone reading the request: change a copy.
        if (!ViaHeader.TryParse(topVia.ToString(), out ViaHeader? copy, out _))
        {
            return topVia;
        }

        copy.Received = FormatReceived(source.Address);
        if (copy.HasRport)
        {
            copy.Rport = source.Port;
        }

        return copy;
    }

    /// <summary>
    /// Replaces the Via rows of a response built by <see cref="SipMessageBuilder.ResponseTo"/> from
    /// <paramref name="request"/> with the request's Via values, in order and first among the headers, the top one
    /// stamped by <see cref="Apply"/>. May be called at any point while building. Does nothing when no stamp is
    /// needed or the request's Via cannot be read.
    /// </summary>
    /// <param name="response">The response being built.</param>
    /// <param name="request">The request it answers, as received.</param>
    /// <returns><paramref name="response"/>.</returns>
    public static SipMessageBuilder WriteTo(SipMessageBuilder response, InboundMessage request)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(request);
        return WriteTo(response, request.Message, request.Remote.Address);
    }

    /// <summary>As <see cref="WriteTo(SipMessageBuilder, InboundMessage)"/>, for a request and its source.</summary>
    /// <param name="response">The response being built.</param>
    /// <param name="message">The request it answers.</param>
    /// <param name="source">Where the request came from.</param>
    /// <returns><paramref name="response"/>.</returns>
    public static SipMessageBuilder WriteTo(SipMessageBuilder response, SipMessage message, IPEndPoint source)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(source);
        if (!message.TryGetVia(out IReadOnlyList<ViaHeader>? vias, out _) || vias.Count == 0)
        {
            return response;
        }

        if (!AreNeeded(vias[0], source.Address))
        {
            return response;
        }

        // Written back on top, where proxies look for them first (RFC 3261 §7.3.1): InsertFirst puts each value
        // before the rest, so they go in from the bottom up.
        response.Remove(SipHeaderKind.Via);
        int first = message.IndexOfHeader(SipHeaderKind.Via);
        int rows = 0;
        for (int i = first; i >= 0; i = message.IndexOfHeader(SipHeaderKind.Via, i + 1))
        {
            rows++;
        }

        if (rows == vias.Count)
        {
            // One value per row, as nearly every sender writes them: the other rows go back as written, and the top
            // one as written with only received and rport filled in, straight from the bytes.
            for (int i = message.HeaderCount - 1; i > first; i--)
            {
                if (message.GetHeaderKind(i) == SipHeaderKind.Via)
                {
                    response.InsertFirst(SipHeaderKind.Via, message.GetHeaderValueMemory(i));
                }
            }

            response.InsertFirst(SipHeaderKind.Via, Stamp(message.GetHeaderValueBytes(first), vias[0].HasRport, source));
            return response;
        }

        // Comma-joined values: each of the others on its own row, as decoded (equal values, §20.42).
        for (int i = vias.Count - 1; i > 0; i--)
        {
            response.InsertFirst(SipHeaderKind.Via, vias[i].ToString());
        }

        response.InsertFirst(SipHeaderKind.Via, Apply(vias[0], source).ToString());
        return response;
    }

    /// <summary>
    /// The top Via value as written with <c>received</c> set to the source address (replaced in place, else added
    /// last) and, when <paramref name="rport"/>, the <c>rport</c> flag filled in with the source port: what
    /// <see cref="Apply"/> makes, without decoding the value into parameters and writing them back.
    /// </summary>
    /// <param name="value">One Via value, as received.</param>
    /// <param name="rport">Whether it carries rport.</param>
    /// <param name="source">Where the request came from.</param>
    /// <returns>The stamped value.</returns>
    internal static byte[] Stamp(ReadOnlySpan<byte> value, bool rport, IPEndPoint source)
    {
        Span<byte> address = stackalloc byte[64];
        int addressLength = FormatReceived(source.Address, address);
        Span<byte> port = stackalloc byte[8];
        _ = Utf8Formatter.TryFormat(source.Port, port, out int portLength);

        // At most: the value, "=port" after rport, ";received=address" (replacing none or an old value).
        byte[] rented = ArrayPool<byte>.Shared.Rent(value.Length + 1 + portLength + 10 + addressLength);
        Span<byte> output = rented;
        int semi = SipBytes.IndexOfTopLevel(value, 0, (byte)';');
        int length = Put(output, 0, semi < 0 ? value : value[..semi]);
        bool replaced = false;
        while (semi >= 0)
        {
            int next = SipBytes.IndexOfTopLevel(value, semi + 1, (byte)';');
            ReadOnlySpan<byte> parameter = value[(semi + 1)..(next < 0 ? value.Length : next)];
            int eq = parameter.IndexOf((byte)'=');
            ReadOnlySpan<byte> name = SipBytes.TrimWhitespace(eq < 0 ? parameter : parameter[..eq]);
            length = Put(output, length, ";"u8);
            if (rport && Ascii.EqualsIgnoreCase(name, "rport"u8))
            {
                length = Put(output, length, name);
                length = Put(output, length, "="u8);
                length = Put(output, length, port[..portLength]);
                rport = false; // Only the first, as the decoded parameters hold only one.
            }
            else if (!replaced && Ascii.EqualsIgnoreCase(name, "received"u8))
            {
                length = Put(output, length, name);
                length = Put(output, length, "="u8);
                length = Put(output, length, address[..addressLength]);
                replaced = true;
            }
            else
            {
                length = Put(output, length, parameter);
            }

            semi = next;
        }

        if (!replaced)
        {
            length = Put(output, length, ";received="u8);
            length = Put(output, length, address[..addressLength]);
        }

        byte[] stamped = output[..length].ToArray();
        ArrayPool<byte>.Shared.Return(rented);
        return stamped;
    }

    private static int Put(Span<byte> output, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output[at..]);
        return at + bytes.Length;
    }

    /// <summary>
    /// Starts a response to <paramref name="request"/> (RFC 3261 §8.2.6) whose top Via carries <c>received</c> and
    /// <c>rport</c> as RFC 3261 §18.2.1 and RFC 3581 §4 require.
    /// </summary>
    /// <param name="request">The request, as received.</param>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <param name="toTag">The To tag to add when the request has none; a fresh one when null.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The message received is not a request.</exception>
    public static SipMessageBuilder ResponseTo(InboundMessage request, int statusCode, string? reasonPhrase = null, string? toTag = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Message is not SipRequest sipRequest)
        {
            throw new ArgumentException("Only a request can be answered.", nameof(request));
        }

        return WriteTo(SipMessageBuilder.ResponseTo(sipRequest, statusCode, reasonPhrase, toTag), request);
    }

    /// <summary>The address as the received parameter writes it (RFC 3261 §25.1: IPv4address / IPv6address, no zone).</summary>
    /// <param name="address">The source address.</param>
    /// <returns>The text.</returns>
    public static string FormatReceived(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            address = new IPAddress(address.GetAddressBytes());
        }

        return address.ToString();
    }

    /// <summary>As <see cref="FormatReceived(IPAddress)"/>, into <paramref name="output"/> (64 bytes hold any address).</summary>
    /// <param name="address">The source address.</param>
    /// <param name="output">Where the text goes.</param>
    /// <returns>The bytes written.</returns>
    private static int FormatReceived(IPAddress address, Span<byte> output)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (!address.TryFormat(output, out int written))
        {
            return 0;
        }

        // A zone (an IPv6 scope id) is not part of IPv6address (RFC 3261 §25.1).
        int zone = address.AddressFamily == AddressFamily.InterNetworkV6 ? output[..written].IndexOf((byte)'%') : -1;
        return zone >= 0 ? zone : written;
    }

    /// <summary>Whether sent-by's host is written as exactly the source address (no allocation).</summary>
    private static bool IsSameAddress(string host, IPAddress source)
    {
        ReadOnlySpan<char> text = host;
        if (text.Length > 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
        }

        if (source.IsIPv4MappedToIPv6)
        {
            source = source.MapToIPv4();
        }

        Span<char> formatted = stackalloc char[64];
        if (!source.TryFormat(formatted, out int written))
        {
            return false;
        }

        ReadOnlySpan<char> sourceText = formatted[..written];
        int zone = sourceText.IndexOf('%');
        if (zone >= 0)
        {
            sourceText = sourceText[..zone];
        }

        // A differently written form of the same address (leading zeros, other IPv6 spellings) earns a received
        // parameter it did not strictly need, which is harmless.
        return text.Equals(sourceText, StringComparison.OrdinalIgnoreCase);
    }
}
