using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

/// <summary>
/// Every typed header accessor of <see cref="SipMessage"/> that throws on a malformed header has a TryGet method that
/// reports the same fault without an exception.
/// </summary>
public class SipMessageHeadersTests
{
    private static readonly string[] s_baseHeaders =
    [
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
        "Max-Forwards: 70",
        "To: <sip:bob@example.com>",
        "From: <sip:alice@example.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@192.0.2.1>",
    ];

    /// <summary>The accessors, each with a header line that breaks it and the reason it must give.</summary>
    public static TheoryData<string, string, SipHeaderKind, SipRejectReason> MalformedHeaders => new()
    {
        { nameof(SipMessage.Via), "Via: SIP/2.0/UDP", SipHeaderKind.Via, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.From), "From: <sip:alice@example.com;tag=1", SipHeaderKind.From, SipRejectReason.MalformedUri },
        { nameof(SipMessage.To), "To: sip:bob@exa mple.com", SipHeaderKind.To, SipRejectReason.InvalidCharacter },
        { nameof(SipMessage.CSeq), "CSeq: one INVITE", SipHeaderKind.CSeq, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.MaxForwards), "Max-Forwards: 256", SipHeaderKind.MaxForwards, SipRejectReason.ValueOutOfRange },
        { nameof(SipMessage.Contact), "Contact: *, <sip:alice@192.0.2.1>", SipHeaderKind.Contact, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.Route), "Route: <sip:proxy.example.com;lr", SipHeaderKind.Route, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.RecordRoute), "Record-Route: <sip:proxy.example.com;lr", SipHeaderKind.RecordRoute, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.ContentType), "Content-Type: application", SipHeaderKind.ContentType, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.Expires), "Expires: 4294967296", SipHeaderKind.Expires, SipRejectReason.ValueOutOfRange },
        { nameof(SipMessage.Require), "Require: ", SipHeaderKind.Require, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.ProxyRequire), "Proxy-Require: ", SipHeaderKind.ProxyRequire, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.Supported), "Supported: time<r", SipHeaderKind.Supported, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.Unsupported), "Unsupported: ", SipHeaderKind.Unsupported, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.Allow), "Allow: INVITE, B(E", SipHeaderKind.Allow, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.Event), "Event: ;id=1", SipHeaderKind.Event, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.SubscriptionState), "Subscription-State: ;expires=60", SipHeaderKind.SubscriptionState, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.ReferTo), "Refer-To: <sip:carol@example.com", SipHeaderKind.ReferTo, SipRejectReason.MalformedUri },
        { nameof(SipMessage.ReferredBy), "Referred-By: <sip:alice@example.com", SipHeaderKind.ReferredBy, SipRejectReason.MalformedUri },
        { nameof(SipMessage.Replaces), "Replaces: ;to-tag=a;from-tag=b", SipHeaderKind.Replaces, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.RSeq), "RSeq: 0", SipHeaderKind.RSeq, SipRejectReason.ValueOutOfRange },
        { nameof(SipMessage.RAck), "RAck: 1 one INVITE", SipHeaderKind.RAck, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.SessionExpires), "Session-Expires: soon", SipHeaderKind.SessionExpires, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.MinSE), "Min-SE: soon", SipHeaderKind.MinSE, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.Reason), "Reason: ;cause=200", SipHeaderKind.Reason, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.RetryAfter), "Retry-After: soon", SipHeaderKind.RetryAfter, SipRejectReason.MalformedHeader },
        { nameof(SipMessage.WwwAuthenticate), "WWW-Authenticate: Digest realm=\"x", SipHeaderKind.WwwAuthenticate, SipRejectReason.UnterminatedQuotedString },
        { nameof(SipMessage.ProxyAuthenticate), "Proxy-Authenticate: Digest realm=\"x", SipHeaderKind.ProxyAuthenticate, SipRejectReason.UnterminatedQuotedString },
        { nameof(SipMessage.Authorization), "Authorization: Digest username=\"x", SipHeaderKind.Authorization, SipRejectReason.UnterminatedQuotedString },
        { nameof(SipMessage.ProxyAuthorization), "Proxy-Authorization: Digest username=\"x", SipHeaderKind.ProxyAuthorization, SipRejectReason.UnterminatedQuotedString },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void AMalformedHeaderFailsItsTryMethodWithItsReasonAndItsPropertyThrowsNamingIt(
        string accessor, string line, SipHeaderKind header, SipRejectReason reason)
    {
        SipMessage message = Message(line);

        Assert.False(TryRead(message, accessor, out SipParseError error));
        Assert.Equal(reason, error.Reason);
        Assert.Equal(header, error.Header);

        SipMessageException thrown = Assert.Throws<SipMessageException>(() => Read(message, accessor));
        Assert.Equal(error, thrown.Error);
        Assert.Contains(SipHeaderNames.GetCanonicalName(header), thrown.Message, StringComparison.Ordinal);
    }

    /// <summary>The accessors of <see cref="MalformedHeaders"/>, by name.</summary>
    public static TheoryData<string> Accessors
    {
        get
        {
            var accessors = new TheoryData<string>();
            foreach (object[] row in MalformedHeaders)
            {
                accessors.Add((string)row[0]);
            }

            return accessors;
        }
    }

    [Theory]
    [MemberData(nameof(Accessors))]
    public void AWellFormedMessageReadsThroughEveryTryMethod(string accessor)
    {
        SipMessage message = Message();

        Assert.True(TryRead(message, accessor, out SipParseError error), error.ToString());
        Assert.Equal(default, error);
    }

    [Fact]
    public void AMissingFromFailsTryGetFromOnTheMessageTheParserRejected()
    {
        byte[] bytes = Bytes("INVITE sip:bob@example.com SIP/2.0", [.. s_baseHeaders.Where(h => !h.StartsWith("From:", StringComparison.Ordinal))]);
        Assert.False(SipMessageParser.TryParse(bytes, out SipMessage? partial, out _));

        Assert.False(partial!.TryGetFrom(out NameAddress? from, out SipParseError error));
        Assert.Null(from);
        Assert.Equal(new SipParseError(SipRejectReason.MissingHeader, SipHeaderKind.From), error);
        Assert.Equal(error, Assert.Throws<SipMessageException>(() => partial.From).Error);
    }

    [Fact]
    public void AMalformedRequestUriFailsTryGetRequestUriAndRequestUriThrows()
    {
        SipRequest request = Assert.IsType<SipRequest>(Parse(Bytes("INVITE sip:bob@example.com:99999 SIP/2.0", s_baseHeaders)));

        Assert.False(request.TryGetRequestUri(out AddrSpec? uri, out SipParseError error));
        Assert.Null(uri);
        Assert.Equal(SipRejectReason.MalformedRequestUri, error.Reason);
        Assert.Equal(error, Assert.Throws<SipMessageException>(() => request.RequestUri).Error);
    }

    [Fact]
    public void TwoReplacesHeadersFailTryGetReplacesAsADuplicate()
    {
        SipMessage message = Message("Replaces: abc;to-tag=a;from-tag=b", "Replaces: abc;to-tag=a;from-tag=b");

        Assert.False(message.TryGetReplaces(out ReplacesHeader? replaces, out SipParseError error));
        Assert.Null(replaces);
        Assert.Equal(SipRejectReason.DuplicateHeader, error.Reason);
        Assert.Equal(SipHeaderKind.Replaces, error.Header);
    }

    /// <summary>An INVITE: the base headers, each line of <paramref name="lines"/> replacing the base header of its name or added.</summary>
    private static SipMessage Message(params string[] lines)
    {
        var headers = new List<string>(s_baseHeaders);
        foreach (string line in lines)
        {
            string name = line[..(line.IndexOf(':', StringComparison.Ordinal) + 1)];
            int same = Array.FindIndex(s_baseHeaders, h => h.StartsWith(name, StringComparison.OrdinalIgnoreCase));
            if (same >= 0)
            {
                headers[same] = line;
            }
            else
            {
                headers.Add(line);
            }
        }

        return Parse(Bytes("INVITE sip:bob@example.com SIP/2.0", headers));
    }

    /// <summary>
    /// The message, also when the parser refused it: a fault it checks (a malformed CSeq) leaves the partly indexed
    /// message, whose accessors must report the fault too.
    /// </summary>
    private static SipMessage Parse(byte[] bytes)
    {
        _ = SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error);
        Assert.True(message is not null, error.ToString());
        return message;
    }

    private static byte[] Bytes(string startLine, IEnumerable<string> headers) =>
        Encoding.UTF8.GetBytes(startLine + "\r\n" + string.Join("\r\n", headers) + "\r\nContent-Length: 0\r\n\r\n");

    private static bool TryRead(SipMessage message, string accessor, out SipParseError error) => accessor switch
    {
        nameof(SipMessage.Via) => message.TryGetVia(out _, out error),
        nameof(SipMessage.From) => message.TryGetFrom(out _, out error),
        nameof(SipMessage.To) => message.TryGetTo(out _, out error),
        nameof(SipMessage.CSeq) => message.TryGetCSeq(out _, out error),
        nameof(SipMessage.MaxForwards) => message.TryGetMaxForwards(out _, out error),
        nameof(SipMessage.Contact) => message.TryGetContact(out _, out error),
        nameof(SipMessage.Route) => message.TryGetRoute(out _, out error),
        nameof(SipMessage.RecordRoute) => message.TryGetRecordRoute(out _, out error),
        nameof(SipMessage.ContentType) => message.TryGetContentType(out _, out error),
        nameof(SipMessage.Expires) => message.TryGetExpires(out _, out error),
        nameof(SipMessage.Require) => message.TryGetRequire(out _, out error),
        nameof(SipMessage.ProxyRequire) => message.TryGetProxyRequire(out _, out error),
        nameof(SipMessage.Supported) => message.TryGetSupported(out _, out error),
        nameof(SipMessage.Unsupported) => message.TryGetUnsupported(out _, out error),
        nameof(SipMessage.Allow) => message.TryGetAllow(out _, out error),
        nameof(SipMessage.Event) => message.TryGetEvent(out _, out error),
        nameof(SipMessage.SubscriptionState) => message.TryGetSubscriptionState(out _, out error),
        nameof(SipMessage.ReferTo) => message.TryGetReferTo(out _, out error),
        nameof(SipMessage.ReferredBy) => message.TryGetReferredBy(out _, out error),
        nameof(SipMessage.Replaces) => message.TryGetReplaces(out _, out error),
        nameof(SipMessage.RSeq) => message.TryGetRSeq(out _, out error),
        nameof(SipMessage.RAck) => message.TryGetRAck(out _, out error),
        nameof(SipMessage.SessionExpires) => message.TryGetSessionExpires(out _, out error),
        nameof(SipMessage.MinSE) => message.TryGetMinSE(out _, out error),
        nameof(SipMessage.Reason) => message.TryGetReason(out _, out error),
        nameof(SipMessage.RetryAfter) => message.TryGetRetryAfter(out _, out error),
        nameof(SipMessage.WwwAuthenticate) => message.TryGetWwwAuthenticate(out _, out error),
        nameof(SipMessage.ProxyAuthenticate) => message.TryGetProxyAuthenticate(out _, out error),
        nameof(SipMessage.Authorization) => message.TryGetAuthorization(out _, out error),
        nameof(SipMessage.ProxyAuthorization) => message.TryGetProxyAuthorization(out _, out error),
        _ => throw new ArgumentOutOfRangeException(nameof(accessor)),
    };

    private static object? Read(SipMessage message, string accessor) => accessor switch
    {
        nameof(SipMessage.Via) => message.Via,
        nameof(SipMessage.From) => message.From,
        nameof(SipMessage.To) => message.To,
        nameof(SipMessage.CSeq) => message.CSeq,
        nameof(SipMessage.MaxForwards) => message.MaxForwards,
        nameof(SipMessage.Contact) => message.Contact,
        nameof(SipMessage.Route) => message.Route,
        nameof(SipMessage.RecordRoute) => message.RecordRoute,
        nameof(SipMessage.ContentType) => message.ContentType,
        nameof(SipMessage.Expires) => message.Expires,
        nameof(SipMessage.Require) => message.Require,
        nameof(SipMessage.ProxyRequire) => message.ProxyRequire,
        nameof(SipMessage.Supported) => message.Supported,
        nameof(SipMessage.Unsupported) => message.Unsupported,
        nameof(SipMessage.Allow) => message.Allow,
        nameof(SipMessage.Event) => message.Event,
        nameof(SipMessage.SubscriptionState) => message.SubscriptionState,
        nameof(SipMessage.ReferTo) => message.ReferTo,
        nameof(SipMessage.ReferredBy) => message.ReferredBy,
        nameof(SipMessage.Replaces) => message.Replaces,
        nameof(SipMessage.RSeq) => message.RSeq,
        nameof(SipMessage.RAck) => message.RAck,
        nameof(SipMessage.SessionExpires) => message.SessionExpires,
        nameof(SipMessage.MinSE) => message.MinSE,
        nameof(SipMessage.Reason) => message.Reason,
        nameof(SipMessage.RetryAfter) => message.RetryAfter,
        nameof(SipMessage.WwwAuthenticate) => message.WwwAuthenticate,
        nameof(SipMessage.ProxyAuthenticate) => message.ProxyAuthenticate,
        nameof(SipMessage.Authorization) => message.Authorization,
        nameof(SipMessage.ProxyAuthorization) => message.ProxyAuthorization,
        _ => throw new ArgumentOutOfRangeException(nameof(accessor)),
    };
}
