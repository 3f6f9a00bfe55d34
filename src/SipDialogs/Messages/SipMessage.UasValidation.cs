using System.Buffers;
using System.Text;

namespace SipDialogs.Messages;

/// <content>
/// The lean check a UAS makes before acting on a request (RFC 3261 §8.2): only the parts it reads, checked over the
/// header bytes without building a typed value, so that decode-on-demand survives validation.
/// </content>
public abstract partial class SipMessage
{
    // Values up to this many bytes are checked in a stack buffer of their size; longer ones in a pooled one.
    private const int StackChars = 512;

    /// <summary>
    /// The §8.2 checks of a UAS, refusing with the same <see cref="SipParseError"/> as <see cref="TryValidate"/> would
    /// for every part they read, but reading only what the UAS and the dialog layer use afterwards, and building
    /// nothing for the headers every INVITE carries: they are checked in place, with the very grammar their typed
    /// accessors decode with, so that an accessor read later cannot fail.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Checked in place: the Request-URI (§8.2.2.1, with no URI headers, RFC 4475 §3.1.2.11), Via (the top branch too,
    /// RFC 4475 §3.2.1), From and To (§8.2.2.1, §8.2.2.2), Contact and Record-Route (the dialog's remote target and
    /// route set, §12.1.1), Content-Type (§8.2.3), Expires, Require (§8.2.2.3) and Supported. Decoded when present,
    /// because the UAS reads their values then: Event, Subscription-State, Refer-To, Referred-By, Replaces and
    /// Session-Expires. Call-ID and CSeq are the parser's.
    /// </para>
    /// <para>
    /// Not checked, because a UAS does not read them from a request: Max-Forwards (a proxy's, §16.3; RFC 4475
    /// §3.1.2.4 lets a UAS ignore a bad one), Route, Proxy-Require, Unsupported, Allow, Allow-Events, Min-Expires,
    /// Min-SE, RSeq, RAck, Reason, Retry-After, Reply-To, Path, Service-Route, P-Asserted-Identity,
    /// P-Preferred-Identity and the four authentication headers. A malformed one is refused when it is read: its
    /// typed accessor throws <see cref="SipMessageException"/>, as for any message.
    /// </para>
    /// </remarks>
    /// <param name="error">The first fault, as <see cref="TryValidate"/> reports it.</param>
    /// <returns>True when every part the UAS reads is well formed.</returns>
    internal bool TryValidateAsUas(out SipParseError error) =>
        (this is not SipRequest request || TryCheckRequestUri(request, out error)) &&
        TryFindEarliestFault(asUas: true, out error) &&
        (!IsRequest || TryCheckTopBranch(out error));

    /// <summary>
    /// The Request-URI checked in place, as <see cref="SipRequest.RequestUri"/> would decode it. RFC 3261 §19.1.1
    /// (Table 1): URI headers are not allowed in a Request-URI. RFC 4475 §3.1.2.11 lets an element either answer 400
    /// or ignore them; ignoring them would act on a request whose target differs from what the sender wrote, so it is
    /// refused.
    /// </summary>
    private static bool TryCheckRequestUri(SipRequest request, out SipParseError error)
    {
        ReadOnlySpan<byte> bytes = request.RequestUriBytes;
        ReadOnlySpan<char> uri = Decode(bytes, stackalloc char[Math.Min(bytes.Length, StackChars)], out char[]? rented);
        bool valid = AddrSpec.TryValidate(uri, out bool sipHeaders, out _) && !sipHeaders;
        Return(rented);
        error = valid ? default : new SipParseError(SipRejectReason.MalformedRequestUri, Offset: request.RequestUriOffset);
        return valid;
    }

    /// <summary>
    /// Checks each kind of header present, all its rows together, and reports the fault earliest in the message: every
    /// kind the stack decodes (<paramref name="asUas"/> false, <see cref="TryValidate"/>), or those a UAS reads.
    /// </summary>
    private bool TryFindEarliestFault(bool asUas, out SipParseError error)
    {
        Span<bool> seen = stackalloc bool[256];
        bool failed = false;
        error = default;
        for (int i = 0; i < _count; i++)
        {
            SipHeaderKind kind = Entry(i).Kind;
            if (kind == SipHeaderKind.Unknown || seen[(int)kind])
            {
                continue;
            }

            seen[(int)kind] = true;
            bool valid = asUas ? TryCheckForUas(kind, i, out SipParseError fault) : TryValidateHeader(kind, out fault);
            if (!valid && (!failed || fault.Offset < error.Offset))
            {
                error = fault;
                failed = true;
            }
        }

        return !failed;
    }

    /// <summary>The check of one kind of header for a UAS, from its first row, <paramref name="first"/>.</summary>
    private bool TryCheckForUas(SipHeaderKind kind, int first, out SipParseError error)
    {
        switch (kind)
        {
            case SipHeaderKind.Via:
                // The transport decoded the Via list to route responses by it (RFC 3261 §18.2.2): nothing left to check.
                if (Volatile.Read(ref _via) is not null)
                {
                    error = default;
                    return true;
                }

                return TryCheckList(kind, first, out error);
            case SipHeaderKind.Contact:
            case SipHeaderKind.RecordRoute:
                return TryCheckList(kind, first, out error);
            case SipHeaderKind.From:
            case SipHeaderKind.To:
            case SipHeaderKind.ContentType:
            case SipHeaderKind.Expires:
                return TryCheckSingle(kind, first, out error);
            case SipHeaderKind.Require:
                return TryCheckTokens(kind, first, allowEmpty: false, out error);
            case SipHeaderKind.Supported:
                return TryCheckTokens(kind, first, allowEmpty: true, out error);
            case SipHeaderKind.Event:
            case SipHeaderKind.SubscriptionState:
            case SipHeaderKind.ReferTo:
            case SipHeaderKind.ReferredBy:
            case SipHeaderKind.Replaces:
            case SipHeaderKind.SessionExpires:
                // Rare, and read by the UAS when present: decoded now, kept for that read.
                return TryValidateHeader(kind, out error);
            default:
                error = default;
                return true;
        }
    }

    /// <summary>A header that may appear once (RFC 3261 §7.3.1), checked in place as its typed accessor decodes it.</summary>
    private bool TryCheckSingle(SipHeaderKind kind, int index, out SipParseError error)
    {
        ReadOnlySpan<byte> bytes = GetHeaderValueBytes(index);
        ReadOnlySpan<char> value = Decode(bytes, stackalloc char[Math.Min(bytes.Length, StackChars)], out char[]? rented);
        SipRejectReason reason;
        bool valid = kind switch
        {
            SipHeaderKind.ContentType => ContentTypeHeader.TryValidate(value, out reason),
            SipHeaderKind.Expires => SipNumbers.TryParseDeltaSeconds(value, out _, out reason),
            _ => NameAddress.TryValidate(value, out _, out reason),
        };

        Return(rented);
        if (!valid)
        {
            error = Fault(reason, index);
            return false;
        }

        return TryCheckRepeats(kind, index, out error);
    }

    /// <summary>
    /// Every row of a list header, checked in place as its typed accessor decodes it: each row split on top-level
    /// commas (RFC 3261 §7.3.1) and holding at least one element, each element well formed; a Contact wildcard alone.
    /// </summary>
    private bool TryCheckList(SipHeaderKind kind, int first, out SipParseError error)
    {
        int elements = 0;
        bool star = false;
        Span<char> stack = stackalloc char[LongestValue(kind, first)];
        for (int index = first; index >= 0; index = IndexOfHeader(kind, index + 1))
        {
            ReadOnlySpan<char> row = Decode(GetHeaderValueBytes(index), stack, out char[]? rented);
            SipRejectReason reason = TryCheckRow(kind, row, ref elements, ref star);
            Return(rented);
            if (reason != default)
            {
                error = Fault(reason, index);
                return false;
            }
        }

        // RFC 3261 §20.10, §25.1: Contact = ( STAR / contact-param *(COMMA contact-param) ); the wildcard stands alone.
        if (star && elements > 1)
        {
            error = Fault(SipRejectReason.MalformedHeader, first);
            return false;
        }

        error = default;
        return true;
    }

    /// <summary>One row of a list header: the reason it is malformed, or <see langword="default"/>.</summary>
    private static SipRejectReason TryCheckRow(SipHeaderKind kind, ReadOnlySpan<char> row, ref int elements, ref bool star)
    {
        // The whole row splits before any element is read, as SipHeaderSplitter.TrySplit does it.
        int start = 0;
        bool any = false;
        while (start <= row.Length)
        {
            if (!SipHeaderSplitter.TryFindElementEnd(row, start, out int end, out SipRejectReason reason))
            {
                return reason;
            }

            Range range = SipHeaderSplitter.Trim(row, start, end);
            any |= range.End.Value > range.Start.Value;
            start = end + 1;
        }

        if (!any)
        {
            // An empty row of a header whose grammar needs at least one value.
            return SipRejectReason.MalformedHeader;
        }

        start = 0;
        while (start <= row.Length)
        {
            _ = SipHeaderSplitter.TryFindElementEnd(row, start, out int end, out _);
            Range range = SipHeaderSplitter.Trim(row, start, end);
            start = end + 1;
            if (range.End.Value == range.Start.Value)
            {
                continue;
            }

            ReadOnlySpan<char> element = row[range];
            bool isStar = false;
            SipRejectReason reason;
            bool valid = kind switch
            {
                SipHeaderKind.Via => ViaHeader.TryValidate(element, out reason),
                SipHeaderKind.Contact => ContactHeader.TryValidate(element, out isStar, out reason),
                _ => NameAddress.TryValidate(element, out _, out reason),
            };

            if (!valid)
            {
                return reason;
            }

            elements++;
            star |= isStar;
        }

        return default;
    }

    /// <summary>Every row of a token-list header (Require, Supported ...), checked in place as its typed accessor decodes it.</summary>
    private bool TryCheckTokens(SipHeaderKind kind, int first, bool allowEmpty, out SipParseError error)
    {
        Span<char> stack = stackalloc char[LongestValue(kind, first)];
        for (int index = first; index >= 0; index = IndexOfHeader(kind, index + 1))
        {
            ReadOnlySpan<char> row = Decode(GetHeaderValueBytes(index), stack, out char[]? rented);
            bool valid = TokenListHeader.TryValidateTokens(row, out int count, out SipRejectReason reason);
            Return(rented);
            if (!valid || (!allowEmpty && count == 0))
            {
                // Require = "Require" HCOLON option-tag *(COMMA option-tag) (RFC 3261 §25.1): at least one.
                error = Fault(valid ? SipRejectReason.MalformedHeader : reason, index);
                return false;
            }
        }

        error = default;
        return true;
    }

    /// <summary>
    /// RFC 4475 §3.2.1: a branch that carries the magic cookie claims RFC 3261 transaction matching (§17.2.3); one that
    /// is still no RFC 3261 branch (the bare cookie) carries no identifier, so every such request from the sender would
    /// match one transaction. The RFC lets an element answer 400 (statelessly) or fall back to RFC 2543 matching; this
    /// stack answers 400. Read from the decoded Via when there is one, else in place; for a Via already checked.
    /// </summary>
    private bool TryCheckTopBranch(out SipParseError error)
    {
        error = default;
        int index = IndexOfHeader(SipHeaderKind.Via);
        if (index < 0)
        {
            return true;
        }

        bool bare;
        if (Volatile.Read(ref _via) is { } via)
        {
            bare = via.Count > 0 && via[0].Branch is string branch && IsBareCookie(branch);
        }
        else
        {
            // The top value is the first element of the first row: a checked row holds at least one.
            ReadOnlySpan<byte> bytes = GetHeaderValueBytes(index);
            ReadOnlySpan<char> row = Decode(bytes, stackalloc char[Math.Min(bytes.Length, StackChars)], out char[]? rented);
            Range top = default;
            for (int start = 0; top.End.Value == top.Start.Value && start <= row.Length; )
            {
                if (!SipHeaderSplitter.TryFindElementEnd(row, start, out int end, out _))
                {
                    break;
                }

                top = SipHeaderSplitter.Trim(row, start, end);
                start = end + 1;
            }

            bare = IsBareCookie(ViaHeader.FindBranch(row[top]));
            Return(rented);
        }

        if (bare)
        {
            error = new SipParseError(SipRejectReason.MalformedParameter, SipHeaderKind.Via, Entry(index).ValueStart);
            return false;
        }

        return true;
    }

    /// <summary>The stack buffer the rows of a header need: the longest row's length, up to <see cref="StackChars"/>.</summary>
    private int LongestValue(SipHeaderKind kind, int first)
    {
        int longest = 0;
        for (int index = first; index >= 0; index = IndexOfHeader(kind, index + 1))
        {
            longest = Math.Max(longest, Entry(index).ValueLength);
        }

        return Math.Min(longest, StackChars);
    }

    /// <summary>
    /// The characters of a header value or Request-URI, UTF-8 decoded as <see cref="GetHeaderValue(int)"/> decodes it,
    /// in <paramref name="stack"/> when they fit, else in a pooled buffer the caller gives back with <see cref="Return"/>.
    /// </summary>
    private static ReadOnlySpan<char> Decode(ReadOnlySpan<byte> bytes, Span<char> stack, out char[]? rented)
    {
        rented = null;
        Span<char> buffer = bytes.Length <= stack.Length ? stack : (rented = ArrayPool<char>.Shared.Rent(bytes.Length));
        return buffer[..Encoding.UTF8.GetChars(bytes, buffer)];
    }

    private static bool IsBareCookie(ReadOnlySpan<char> branch) => branch.SequenceEqual(SipIds.BranchMagicCookie);

    private static void Return(char[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }
}
