using System.Diagnostics.CodeAnalysis;
using System.Net;
using SipDialogs.Messages;

namespace SipDialogs.Transport;

/// <summary>
/// The stateless answer to a request the transport refused: the status and reason phrase of its
/// <see cref="SipParseError"/> (400 "Malformed Via", 505 "Version Not Supported", 513 ...; RFC 3261 §21.4.1 asks
/// that the phrase name the fault), so the sender learns what is wrong and stops retransmitting.
/// </summary>
/// <remarks>
/// A request is answered only when it can be: the parser indexed its header block and it has the Via, From, To and
/// CSeq a response is made of (RFC 3261 §8.2.6). A request without a Call-ID is answered all the same, "400 Missing
/// Call-ID" (RFC 3261 §21.4.1's own example of a phrase that names the fault), with no Call-ID to copy: the sender
/// matches the answer to its transaction by the Via branch and CSeq method (§17.1.3) and stops retransmitting. An ACK
/// is never answered (RFC 3261 §17), nor is a response (RFC 3261 §18.1.2: dropped); junk that is not a request is
/// dropped.
/// </remarks>
internal static class RejectedRequestAnswer
{
    /// <summary>Builds the answer to a refused request, when it can be answered.</summary>
    /// <param name="partial">The message as far as the parser indexed it, or null.</param>
    /// <param name="input">The bytes received, used again when the parser stopped at an unsupported SIP version.</param>
    /// <param name="error">Why the request was refused.</param>
    /// <param name="source">Where it came from, for the received and rport parameters (RFC 3581 §4).</param>
    /// <param name="limits">The limits to parse with.</param>
    /// <param name="answer">The response's bytes.</param>
    /// <param name="topVia">The request's top Via when it can be read (to address the answer, RFC 3261 §18.2.2), else null.</param>
    /// <returns>True when there is an answer to send.</returns>
    public static bool TryBuild(
        SipMessage? partial,
        ReadOnlySpan<byte> input,
        in SipParseError error,
        IPEndPoint source,
        SipLimits limits,
        [NotNullWhen(true)] out byte[]? answer,
        out ViaHeader? topVia)
    {
        answer = null;
        topVia = null;
        if (partial is null && error.Reason == SipRejectReason.UnsupportedVersion)
        {
            partial = IndexDespiteVersion(input, error.Offset, limits);
        }

        if (partial is not SipRequest request || request.Method == SipMethods.Ack || !HasResponseHeaders(request))
        {
            return false;
        }

        try
        {
            SipMessageBuilder response = SipMessageBuilder.ResponseTo(request, error.StatusCode, error.ReasonPhrase);
            if (request.TryGetVia(out IReadOnlyList<ViaHeader>? vias, out _) && vias.Count > 0)
            {
                topVia = vias[0];
                ViaReceivedParameters.WriteTo(response, request, source);
            }

            answer = response.ToArray();
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or SipMessageException or FormatException)
        {
            // The headers it would copy are too broken to echo: nothing sensible can be sent.
            answer = null;
            topVia = null;
            return false;
        }
    }

    // The Call-ID is not among them: a request that lacks it is answered without one (see the remarks).
    private static bool HasResponseHeaders(SipRequest request) =>
        request.IndexOfHeader(SipHeaderKind.Via) >= 0 &&
        request.IndexOfHeader(SipHeaderKind.From) >= 0 &&
        request.IndexOfHeader(SipHeaderKind.To) >= 0 &&
        request.IndexOfHeader(SipHeaderKind.CSeq) >= 0;

    /// <summary>
    /// The parser stops at the start line when the version is not SIP/2.0, so there is nothing to answer from. To
    /// answer 505 (RFC 3261 §21.5.7) the header block is indexed from a copy whose version reads SIP/2.0.
    /// </summary>
    private static SipMessage? IndexDespiteVersion(ReadOnlySpan<byte> input, int offset, SipLimits limits)
    {
        if (offset < 0 || offset >= input.Length)
        {
            return null;
        }

        int lineFeed = input[offset..].IndexOf((byte)'\n');
        if (lineFeed < 0)
        {
            return null;
        }

        int end = offset + lineFeed;
        if (end > offset && input[end - 1] == (byte)'\r')
        {
            end--;
        }

        ReadOnlySpan<byte> version = "SIP/2.0"u8;
        byte[] copy = new byte[offset + version.Length + (input.Length - end)];
        input[..offset].CopyTo(copy);
        version.CopyTo(copy.AsSpan(offset));
        input[end..].CopyTo(copy.AsSpan(offset + version.Length));
        // Valid or not, the message indexed as far as it goes is what the answer is made from.
        _ = SipMessageParser.TryParse(copy, out SipMessage? message, out _, limits);
        return message;
    }
}
