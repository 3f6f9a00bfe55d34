using System.Text;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Messages;

/// <summary>
/// The lean check a UAS makes (RFC 3261 §8.2): it refuses exactly what the typed accessors of the parts it reads
/// refuse, with the same reason at the same place, decodes nothing a typical INVITE carries, and leaves the headers it
/// does not read to be refused when they are read.
/// </summary>
public sealed class SipMessageUasValidationTests
{
    private const int MutantCount = 60_000;

    // A typical INVITE from a phone behind a PBX: the message the validation benchmark measures.
    private const string Invite =
        "INVITE sip:+15551234567@gw1.carrier.example.net;user=phone SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 198.51.100.17:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f60718;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "Contact: <sip:alice@198.51.100.17:5060;transport=udp>\r\n" +
        "To: <sip:+15551234567@gw1.carrier.example.net;user=phone>\r\n" +
        "From: \"Alice Example\" <sip:alice@pbx.example.com>;tag=8c4f2a91\r\n" +
        "Call-ID: 3a7c8e1f9b2d4c6a8e0f1a3b5c7d9e1f@198.51.100.17\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, UPDATE, PRACK\r\n" +
        "Supported: replaces, norefersub, timer, 100rel\r\n" +
        "User-Agent: ExamplePhone/4.2.1\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n";

    // What the UAS reads, and so checks; the order does not matter (the earliest fault in the message is reported).
    private static readonly SipHeaderKind[] s_readByUas =
    [
        SipHeaderKind.Via, SipHeaderKind.From, SipHeaderKind.To, SipHeaderKind.Contact, SipHeaderKind.RecordRoute,
        SipHeaderKind.ContentType, SipHeaderKind.Expires, SipHeaderKind.Require, SipHeaderKind.Supported, SipHeaderKind.Event,
        SipHeaderKind.SubscriptionState, SipHeaderKind.ReferTo, SipHeaderKind.ReferredBy, SipHeaderKind.Replaces,
        SipHeaderKind.SessionExpires,
    ];

    [Fact]
    public void EveryMutantRequestIsRefusedByTheUasCheckExactlyAsTheTypedAccessorsOfWhatItReadsRefuseIt()
    {
        List<byte[]> seeds = ParserMutationTests.Seeds();
        foreach (string file in Directory.GetFiles(TestData.PathOf("callflows"), "*.yaml").Order(StringComparer.Ordinal))
        {
            seeds.AddRange(CallFlows.FileBytes(file));
        }

        seeds.Add(Encoding.ASCII.GetBytes(Invite));
        var random = new Random(3261);
        int compared = 0;
        int refused = 0;
        var failures = new List<string>();
        for (int i = 0; i < MutantCount && failures.Count < 5; i++)
        {
            byte[] input = ParserMutationTests.Mutate(seeds, random, out string how);
            if (!SipMessageParser.TryParse(input, out SipMessage? lean, out _) || lean is not SipRequest)
            {
                continue;
            }

            _ = SipMessageParser.TryParse(input, out SipMessage? typed, out _);
            bool valid = lean.TryValidateAsUas(out SipParseError error);
            SipParseError expected = Reference((SipRequest)typed!);
            compared++;
            refused += valid ? 0 : 1;
            if (valid != (expected == default) || error != expected)
            {
                failures.Add($"mutant {i} ({how}): UAS check gave {(valid ? "valid" : error.ToString())} {error.Header}, the accessors {expected} {expected.Header}\n  input: {Convert.ToHexString(input)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Worth something only if many mutants reach the check and many of them are refused by it.
        Assert.InRange(compared, MutantCount / 10, MutantCount);
        Assert.InRange(refused, compared / 20, compared);
    }

    [Fact]
    public void ATypicalInviteIsValidatedAsAUasWithoutDecodingAnyHeader()
    {
        SipRequest invite = Parse(Invite);

        Assert.True(invite.TryValidateAsUas(out SipParseError error), error.ToString());

        Assert.False(invite.HasDecodedHeaders);
    }

    [Fact]
    public async Task ValidatingAParsedInviteAsAUasAllocatesNothingOnceItsCodeIsOptimized()
    {
        // Unoptimized (tier-0) code boxes in some generic span helpers, so batches are validated until the runtime has
        // optimized the path; a batch of the steady state must then allocate nothing at all.
        const int Count = 1_000;
        byte[] bytes = Encoding.ASCII.GetBytes(Invite);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        long fewest = long.MaxValue;
        while (fewest > 0 && !deadline.IsCancellationRequested)
        {
            var invites = new SipMessage[Count];
            for (int i = 0; i < Count; i++)
            {
                Assert.True(SipMessageParser.TryParse(bytes, out invites[i]!, out _));
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            int valid = 0;
            for (int i = 0; i < Count; i++)
            {
                valid += invites[i].TryValidateAsUas(out _) ? 1 : 0;
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(Count, valid);
            fewest = Math.Min(fewest, allocated);
            await Task.Yield();
        }

        Assert.True(fewest == 0, $"{fewest / (double)Count:F1} bytes allocated per INVITE at best");
    }

    [Theory]
    [InlineData("Max-Forwards: 300", SipHeaderKind.MaxForwards, SipRejectReason.ValueOutOfRange)] // RFC 4475 §3.1.2.4
    [InlineData("Route: <sip:proxy.example.com;lr", SipHeaderKind.Route, SipRejectReason.MalformedHeader)]
    [InlineData("Allow: INVITE, A B", SipHeaderKind.Allow, SipRejectReason.MalformedHeader)]
    [InlineData("Proxy-Require: ", SipHeaderKind.ProxyRequire, SipRejectReason.MalformedHeader)]
    [InlineData("Min-SE: many", SipHeaderKind.MinSE, SipRejectReason.MalformedHeader)]
    public void AMalformedHeaderTheUasDoesNotReadIsRefusedOnlyWhenItIsRead(string header, SipHeaderKind kind, SipRejectReason reason)
    {
        SipRequest invite = Parse(WithHeader(header));

        Assert.True(invite.TryValidateAsUas(out SipParseError error), error.ToString());

        Assert.False(invite.TryValidate(out error));
        Assert.Equal(reason, error.Reason);
        Assert.Equal(kind, error.Header);
        Assert.Equal(error, Assert.Throws<SipMessageException>(() => Read(invite, kind)).Error);
    }

    [Theory]
    [InlineData("Contact: <sip:alice@198.51.100.17:5060;transport=udp>;expires=4294967296", "Contact Out Of Range")]
    [InlineData("Contact: *, <sip:alice@198.51.100.17>", "Malformed Contact")]
    [InlineData("Contact: sip:alice@198.51.100.17?subject=x", "Malformed URI in Contact")] // RFC 4475 §3.1.2.13
    [InlineData("Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;ttl=256>", "Malformed Parameter in Record-Route")]
    [InlineData("Content-Type: application/sdp;charset", "Malformed Parameter in Content-Type")]
    [InlineData("Require: timer,, ;x", "Malformed Require")]
    [InlineData("Require:", "Malformed Require")]
    [InlineData("Supported: timer 100rel", "Malformed Supported")]
    [InlineData("Expires: 10000000000", "Expires Out Of Range")]
    [InlineData("Replaces: abc;to-tag", "Malformed Replaces")]
    [InlineData("Session-Expires: soon", "Malformed Session-Expires")]
    [InlineData("Via: SIP/2.0/UDP 198.51.100.17;received=pbx", "Invalid Host in Via")]
    [InlineData("Via: SIP/2.0/UDP 198.51.100.17;branch=z9hG4bK", "Malformed Parameter in Via")] // RFC 4475 §3.2.1
    public void AMalformedHeaderTheUasReadsIsRefusedAsTheFullCheckRefusesIt(string header, string reasonPhrase)
    {
        string text = WithHeader(header);
        SipRequest full = Parse(text);
        SipRequest lean = Parse(text);

        Assert.False(full.TryValidate(out SipParseError expected));
        Assert.False(lean.TryValidateAsUas(out SipParseError error));

        Assert.Equal(expected, error);
        Assert.Equal(reasonPhrase, error.ReasonPhrase);
        Assert.Equal(400, error.StatusCode);
    }

    [Theory]
    [InlineData("INVITE sip:bob@example.com?Route=%3Csip:evil.example.com%3E SIP/2.0")] // RFC 4475 §3.1.2.11
    [InlineData("INVITE sip:bob@exa_mple.com SIP/2.0")]
    [InlineData("INVITE sip:bob@example.com;ttl=300 SIP/2.0")]
    [InlineData("INVITE tel:7042 SIP/2.0")] // RFC 3966 §5.1.5: a local number needs its phone-context.
    public void AMalformedRequestUriIsRefusedBeforeAnyHeader(string requestLine)
    {
        string text = requestLine + Invite[Invite.IndexOf("\r\n", StringComparison.Ordinal)..]
            .Replace("To: <", "To: \"unterminated <", StringComparison.Ordinal);
        SipRequest lean = Parse(text);

        Assert.False(lean.TryValidateAsUas(out SipParseError error));

        Assert.Equal(SipRejectReason.MalformedRequestUri, error.Reason);
        Assert.Equal("INVITE ".Length, error.Offset);
        Assert.Equal("Malformed Request-URI", error.ReasonPhrase);
    }

    /// <summary>What the full check refuses of the parts the UAS reads, found through the typed accessors.</summary>
    private static SipParseError Reference(SipRequest request)
    {
        if (!request.TryGetRequestUri(out AddrSpec? uri, out SipParseError error))
        {
            return error;
        }

        if (uri is SipUri { Headers.Count: > 0 })
        {
            return new SipParseError(SipRejectReason.MalformedRequestUri, Offset: request.RequestUriOffset);
        }

        bool failed = false;
        foreach (SipHeaderKind kind in s_readByUas)
        {
            if (request.IndexOfHeader(kind) >= 0 && !TryDecode(request, kind, out SipParseError fault) && (!failed || fault.Offset < error.Offset))
            {
                error = fault;
                failed = true;
            }
        }

        if (failed)
        {
            return error;
        }

        int via = request.IndexOfHeader(SipHeaderKind.Via);
        return via >= 0 && request.Via[0].Branch == SipIds.BranchMagicCookie
            ? new SipParseError(SipRejectReason.MalformedParameter, SipHeaderKind.Via, request.GetHeaderValueOffset(via))
            : default;
    }

    private static bool TryDecode(SipRequest request, SipHeaderKind kind, out SipParseError error) => kind switch
    {
        SipHeaderKind.Via => request.TryGetVia(out _, out error),
        SipHeaderKind.From => request.TryGetFrom(out _, out error),
        SipHeaderKind.To => request.TryGetTo(out _, out error),
        SipHeaderKind.Contact => request.TryGetContact(out _, out error),
        SipHeaderKind.RecordRoute => request.TryGetRecordRoute(out _, out error),
        SipHeaderKind.ContentType => request.TryGetContentType(out _, out error),
        SipHeaderKind.Expires => request.TryGetExpires(out _, out error),
        SipHeaderKind.Require => request.TryGetRequire(out _, out error),
        SipHeaderKind.Supported => request.TryGetSupported(out _, out error),
        SipHeaderKind.Event => request.TryGetEvent(out _, out error),
        SipHeaderKind.SubscriptionState => request.TryGetSubscriptionState(out _, out error),
        SipHeaderKind.ReferTo => request.TryGetReferTo(out _, out error),
        SipHeaderKind.ReferredBy => request.TryGetReferredBy(out _, out error),
        SipHeaderKind.Replaces => request.TryGetReplaces(out _, out error),
        _ => request.TryGetSessionExpires(out _, out error),
    };

    private static object? Read(SipRequest request, SipHeaderKind kind) => kind switch
    {
        SipHeaderKind.MaxForwards => request.MaxForwards,
        SipHeaderKind.Route => request.Route,
        SipHeaderKind.Allow => request.Allow,
        SipHeaderKind.ProxyRequire => request.ProxyRequire,
        _ => request.MinSE,
    };

    /// <summary>The INVITE with <paramref name="header"/> in place of its own of that name, or of its User-Agent.</summary>
    private static string WithHeader(string header)
    {
        string name = "\r\n" + header[..(header.IndexOf(':', StringComparison.Ordinal) + 1)];
        int start = Invite.IndexOf(name, StringComparison.Ordinal);
        if (start < 0)
        {
            start = Invite.IndexOf("\r\nUser-Agent:", StringComparison.Ordinal);
        }

        int end = Invite.IndexOf("\r\n", start + 2, StringComparison.Ordinal);
        return string.Concat(Invite.AsSpan(0, start + 2), header, Invite.AsSpan(end));
    }

    private static SipRequest Parse(string text)
    {
        Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out SipMessage? message, out SipParseError error), error.ToString());
        return Assert.IsType<SipRequest>(message);
    }
}
