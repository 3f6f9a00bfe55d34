using SipDialogs.Messages;

namespace SipDialogs.Transactions;

/// <summary>
/// Writes the keys transactions are matched by, as bytes, so a retransmission is matched without decoding a header
/// or allocating (the caller writes into a stack buffer). Fields are joined by 0x01, which no token holds.
/// </summary>
/// <remarks>
/// Server, RFC 3261 §17.2.3: top Via branch, top Via sent-by (host case-folded) and method, with ACK taking INVITE's
/// place. Server, RFC 2543 fallback (no magic cookie): Call-ID, CSeq number, From tag, the top Via value, the
/// Request-URI (compared byte for byte: a retransmission repeats it) and the method the same way; the To tag, which
/// an ACK takes from the response, is checked on the match.
/// Client, §17.1.3: top Via branch and CSeq method.
/// </remarks>
internal static class TransactionKey
{
    /// <summary>Keys longer than this are written to a rented buffer instead of the stack.</summary>
    public const int StackLimit = 256;

    private const byte Separator = 0x01;

    /// <summary>The length of the server key of <paramref name="request"/> matched as <paramref name="method"/>.</summary>
    public static int ServerKeyLength(SipRequest request, string method) =>
        request.TopViaBranch.Length + TopViaSentBy(request).Length + method.Length + 2;

    /// <summary>Writes the §17.2.3 key: branch, sent-by, method.</summary>
    /// <returns>The bytes written.</returns>
    public static int WriteServerKey(SipRequest request, string method, Span<byte> destination)
    {
        ReadOnlySpan<byte> branch = request.TopViaBranch;
        branch.CopyTo(destination);
        int length = branch.Length;
        destination[length++] = Separator;
        foreach (byte b in TopViaSentBy(request))
        {
            // sent-by compares case-insensitively in its host (RFC 3261 §20.42, §19.1.4); LWS around ':' is dropped.
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                destination[length++] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
            }
        }

        destination[length++] = Separator;
        length += WriteMethod(method, destination[length..]);
        return length;
    }

    /// <summary>The length of the RFC 2543 fallback key of <paramref name="request"/> matched as <paramref name="method"/>.</summary>
    public static int Rfc2543KeyLength(SipRequest request, string method) =>
        request.CallIdBytes.Length + 10 + request.FromTag.Length + TopViaValue(request).Length + request.RequestUriBytes.Length + method.Length + 5;

    /// <summary>Writes the RFC 2543 fallback key: Call-ID, CSeq number, From tag, top Via, Request-URI, method.</summary>
    /// <returns>The bytes written.</returns>
    public static int WriteRfc2543Key(SipRequest request, string method, Span<byte> destination)
    {
        int length = Append(request.CallIdBytes, destination, 0);
        destination[length++] = Separator;
        request.CSeqNumber.TryFormat(destination[length..], out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        length += written;
        destination[length++] = Separator;
        length = Append(request.FromTag, destination, length);
        destination[length++] = Separator;
        length = Append(TopViaValue(request), destination, length);
        destination[length++] = Separator;
        length = Append(request.RequestUriBytes, destination, length);
        destination[length++] = Separator;
        length += WriteMethod(method, destination[length..]);
        return length;
    }

    /// <summary>The length of the client key for <paramref name="branch"/> and <paramref name="method"/>.</summary>
    public static int ClientKeyLength(ReadOnlySpan<byte> branch, string method) => branch.Length + method.Length + 1;

    /// <summary>Writes the §17.1.3 key: branch, CSeq method.</summary>
    /// <returns>The bytes written.</returns>
    public static int WriteClientKey(ReadOnlySpan<byte> branch, string method, Span<byte> destination)
    {
        int length = Append(branch, destination, 0);
        destination[length++] = Separator;
        length += WriteMethod(method, destination[length..]);
        return length;
    }

    /// <summary>
    /// True when the top Via branch is an RFC 3261 branch (§8.1.1.7): the magic cookie and more, as
    /// <see cref="ViaHeader.IsRfc3261Branch"/> has it; a bare cookie is no unique branch.
    /// </summary>
    public static bool HasRfc3261Branch(SipMessage message)
    {
        ReadOnlySpan<byte> branch = message.TopViaBranch;
        return branch.Length > SipIds.BranchMagicCookie.Length && branch.StartsWith("z9hG4bK"u8);
    }

    /// <summary>The value of the first Via header line, as received.</summary>
    public static ReadOnlySpan<byte> TopViaValue(SipMessage message) => message.GetHeaderValueBytes(message.ViaIndex);

    /// <summary>
    /// The sent-by of the topmost Via value (RFC 3261 §20.42: <c>SIP/2.0/UDP host:port;params</c>), as written;
    /// empty when the value is not of that shape.
    /// </summary>
    public static ReadOnlySpan<byte> TopViaSentBy(SipMessage message)
    {
        ReadOnlySpan<byte> via = TopViaValue(message);

        // sent-protocol = name SLASH version SLASH transport, with optional LWS around each slash.
        int slash = via.IndexOf((byte)'/');
        if (slash < 0)
        {
            return default;
        }

        int second = via[(slash + 1)..].IndexOf((byte)'/');
        if (second < 0)
        {
            return default;
        }

        int i = slash + 1 + second + 1;
        while (i < via.Length && via[i] is (byte)' ' or (byte)'\t')
        {
            i++;
        }

        while (i < via.Length && via[i] is not ((byte)' ' or (byte)'\t'))
        {
            i++; // The transport token.
        }

        while (i < via.Length && via[i] is (byte)' ' or (byte)'\t')
        {
            i++;
        }

        int start = i;
        while (i < via.Length && via[i] is not ((byte)';' or (byte)','))
        {
            i++;
        }

        int end = i;
        while (end > start && via[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }

        return via[start..end];
    }

    private static int Append(ReadOnlySpan<byte> value, Span<byte> destination, int offset)
    {
        value.CopyTo(destination[offset..]);
        return offset + value.Length;
    }

    private static int WriteMethod(string method, Span<byte> destination)
    {
        for (int i = 0; i < method.Length; i++)
        {
            destination[i] = (byte)method[i]; // A method is a token: ASCII (RFC 3261 §25.1).
        }

        return method.Length;
    }
}
