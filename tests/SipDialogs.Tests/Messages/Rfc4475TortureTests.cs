using System.Buffers;
using System.Reflection;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

/// <summary>
/// The 49 messages of RFC 4475, "SIP Torture Test Messages", one test each, named after its file. Valid messages
/// must parse, validate and give the values the RFC's section points at; invalid ones are refused with the exact
/// <see cref="SipRejectReason"/> (by the parser or by <see cref="SipMessage.TryValidate"/>), or accepted where the
/// RFC lets a lenient element do so and we chose to; the application-layer ones (§3.3) expose what a UAS needs to
/// pick the response the RFC names.
/// </summary>
public class Rfc4475TortureTests
{
    private const string Sdp = "v=0\r\n";

    // ---- §3.1.1 Valid messages ------------------------------------------------------------------------------

    /// <summary>§3.1.1.1 A Short Tortuous INVITE.</summary>
    [Fact]
    public void Wsinv()
    {
        var request = ParseValidRequest("wsinv");

        Assert.Equal("INVITE", request.Method);
        var uri = Assert.IsType<SipUri>(request.RequestUri);
        Assert.Equal("vivekg", uri.User);
        Assert.Equal("chair-dnrc.example.com", uri.Host);
        Assert.True(uri.Parameters.TryGetValue("unknownparam", out string? unknown));
        Assert.Null(unknown);

        // Folded "TO :" with LWS around ';' and '=' in the tag.
        Assert.Equal("sip:vivekg@chair-dnrc.example.com", request.To.Uri.ToString());
        Assert.Null(request.To.DisplayName);
        Assert.Equal("1918181833n", request.To.Tag);

        // The display name holds an escaped backslash and an escaped quote.
        Assert.Equal("J Rosenberg \\\"", request.From.DisplayName);
        Assert.Equal("sip:jdrosen@example.com", request.From.Uri.ToString());
        Assert.Equal("98asjd8", request.From.Tag);

        // Integers with leading zeros, a CSeq folded between number and method.
        Assert.Equal(68, request.MaxForwards);
        Assert.Equal(new CSeqHeader(9, "INVITE"), request.CSeq);
        Assert.Equal("wsinv.ndaksdj@192.0.2.1", request.CallId);

        // One Via with LWS around the slashes, then a compact "v:" carrying two comma-separated values.
        Assert.Collection(
            request.Via,
            via => AssertVia(via, "UDP", "192.0.2.2", "390skdjuw"),
            via => AssertVia(via, "TCP", "spindle.example.com", "z9hG4bK9ikj8"),
            via => AssertVia(via, "UDP", "192.168.255.111", "z9hG4bK30239"));

        // An empty Subject, and unknown headers kept as values: the unusual one would be invalid as generic-params,
        // but its syntax is unknown to us, so it is only carried (a proxy forwards it, an endpoint ignores it).
        Assert.Equal(string.Empty, request.GetHeaderValue(SipHeaderKind.Subject));
        Assert.Equal("newfangled value continued newfangled value", request.GetHeaderValue("NewFangledHeader"));
        Assert.Equal(";;,,;;,;", request.GetHeaderValue("UnknownHeaderWithUnusualValue"));

        // A Route URI parameter with no value, and unknown parameters of a known header.
        NameAddress route = Assert.Single(request.Route);
        var routeUri = Assert.IsType<SipUri>(route.Uri);
        Assert.True(routeUri.IsLooseRouter);
        Assert.Equal("value", routeUri.Parameters["unknownwith"]);
        Assert.True(routeUri.Parameters.Contains("unknown-no-value"));

        // A compact "m:" with no space before the quoted display name and a header parameter with no value.
        ContactHeader contact = Assert.Single(request.Contact);
        Assert.Equal("Quoted string \"\"", contact.Address!.DisplayName);
        Assert.Equal("sip:jdrosen@example.com", contact.Address.Uri.ToString());
        Assert.Equal("newvalue", contact.Address.Parameters["newparam"]);
        Assert.True(contact.Address.Parameters.TryGetValue("secondparam", out string? flag));
        Assert.Null(flag);
        Assert.Equal(0.33, contact.Q);

        Assert.True(request.ContentType!.IsMediaType("application", "sdp"));
        Assert.Equal(150, request.ContentLength);
        Assert.StartsWith(Sdp, Encoding.ASCII.GetString(request.Body.Span), StringComparison.Ordinal);
    }

    /// <summary>§3.1.1.2 Wide Range of Valid Characters.</summary>
    [Fact]
    public void Intmeth()
    {
        const string method = "!interesting-Method0123456789_*+`.%indeed'~";
        var request = ParseValidRequest("intmeth");

        // An extension method made of every token character, matched by the CSeq.
        Assert.Equal(method, request.Method);
        Assert.Equal(new CSeqHeader(139122385, method), request.CSeq);

        // A Request-URI whose user and password use every character they may hold unescaped.
        var uri = Assert.IsType<SipUri>(request.RequestUri);
        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", uri.User);
        Assert.Equal("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", uri.Password);
        Assert.Equal("example.com", uri.Host);

        // Control characters escaped inside a quoted display name (quoted-pair allows %x00-09 and %x7F).
        Assert.Equal("BEL:\a NUL:\0 DEL:\u007F", request.To.DisplayName);
        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", Assert.IsType<SipUri>(request.To.Uri).User);

        // An unquoted display name of several tokens, a parameter whose quoted value is UTF-8, a token-char tag.
        Assert.Equal("token1~` token2'+_ token3*%!.-", request.From.DisplayName);
        Assert.Equal("\"работающий\"", request.From.Parameters["fromParam''~+*_!.-%"]);
        Assert.Equal("_token~1'+`*%!-.", request.From.Tag);

        // A Call-ID using the word characters, a branch using the token characters, the largest Max-Forwards.
        Assert.Equal("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", request.CallId);
        Assert.Equal("z9hG4bK-.!%66*_+`'~", Assert.Single(request.Via).Branch);
        Assert.Equal(255, request.MaxForwards);

        // An extension header named with token characters, whose value is UTF-8 (a BOM and three CJK characters).
        Assert.Equal("\uFEFF大停電", request.GetHeaderValue("extensionHeader-!.%*+_`'~"));
        Assert.Equal(0, request.ContentLength);
    }

    /// <summary>§3.1.1.3 Valid Use of the % Escaping Mechanism.</summary>
    [Fact]
    public void Esc01()
    {
        var request = ParseValidRequest("esc01");

        // The Request-URI's user part is a SIPS URI, escaped; what it means is the target's business.
        var uri = Assert.IsType<SipUri>(request.RequestUri);
        Assert.Equal("sips:user@example.com", uri.User);
        Assert.Equal("example.net", uri.Host);

        // Escapes in user parts are equivalent to the characters they encode (RFC 3261 §19.1.4).
        Assert.Equal("user", Assert.IsType<SipUri>(request.To.Uri).User);
        Assert.Equal(SipUriOf("sip:user@example.com"), request.To.Uri);
        Assert.Equal("I have spaces", Assert.IsType<SipUri>(request.From.Uri).User);

        // Escapes in URI parameters are resolved once, never recursively: "v%61lue%25%34%31" is "value%41", not
        // "valueA".
        var contactUri = Assert.IsType<SipUri>(Assert.Single(request.Contact).Address!.Uri);
        Assert.Equal("caller", contactUri.User);
        Assert.True(contactUri.IsLooseRouter);
        Assert.Equal("value%41", contactUri.Parameters["name"]);

        Assert.True(request.ContentType!.IsMediaType("application", "sdp"));
        Assert.Equal(150, request.ContentLength);
    }

    /// <summary>§3.1.1.4 Escaped Nulls in URIs.</summary>
    [Fact]
    public void Escnull()
    {
        var request = ParseValidRequest("escnull");

        // The escaped NUL must not shorten the user name when unescaped.
        Assert.Equal("null-\0-null", Assert.IsType<SipUri>(request.To.Uri).User);
        Assert.Equal("null-\0-null", Assert.IsType<SipUri>(request.From.Uri).User);

        // Two different contacts, so two bindings.
        Assert.Collection(
            request.Contact,
            c => Assert.Equal("\0", Assert.IsType<SipUri>(c.Address!.Uri).User),
            c => Assert.Equal("\0\0", Assert.IsType<SipUri>(c.Address!.Uri).User));
        Assert.NotEqual(request.Contact[0].Address!.Uri, request.Contact[1].Address!.Uri);
    }

    /// <summary>§3.1.1.5 Use of % When It Is Not an Escape.</summary>
    [Fact]
    public void Esc02()
    {
        var request = ParseValidRequest("esc02");

        // '%' is a token character: the method is the unknown "RE%47IST%45R", not REGISTER, so a UAS answers 501
        // (RFC 3261 §8.2.1).
        Assert.Equal("RE%47IST%45R", request.Method);
        Assert.NotEqual(SipMethods.Register, request.Method);
        Assert.Equal("RE%47IST%45R", request.CSeqMethod);

        // In a quoted string '%' is just a character.
        Assert.Equal("%Z%45", request.To.DisplayName);
        Assert.Equal("%Z%45", request.From.DisplayName);
        Assert.Equal("z9hG4bK209%fzsnel234", Assert.Single(request.Via).Branch);

        // "C%6Fntact" is an unknown header, not a third Contact.
        Assert.Collection(
            request.Contact,
            c => Assert.Equal("sip:alias1@host1.example.com", c.Address!.Uri.ToString()),
            c => Assert.Equal("sip:alias3@host3.example.com", c.Address!.Uri.ToString()));
        int unknown = request.IndexOfHeader("C%6Fntact");
        Assert.Equal(SipHeaderKind.Unknown, request.GetHeaderKind(unknown));
        Assert.Equal("<sip:alias2@host2.example.com>", request.GetHeaderValue(unknown));
    }

    /// <summary>§3.1.1.6 Message with No LWS between Display Name and &lt;.</summary>
    [Fact]
    public void Lwsdisp()
    {
        // The RFC 3261 grammar wants LWS there, but RFC 4475 calls that a specification bug: accept.
        var request = ParseValidRequest("lwsdisp");

        Assert.Equal("caller", request.From.DisplayName);
        Assert.Equal("sip:caller@example.com", request.From.Uri.ToString());
        Assert.Equal("323", request.From.Tag);
    }

    /// <summary>§3.1.1.7 Long Values in Header Fields.</summary>
    [Fact]
    public void Longreq()
    {
        var request = ParseValidRequest("longreq");

        Assert.Equal("I have a user name of " + Repeat("extreme", 10) + " proportion", request.To.DisplayName);
        var toUri = Assert.IsType<SipUri>(request.To.Uri);
        Assert.Equal(6000, toUri.Port);
        Assert.Equal("very" + Repeat("long", 20) + "value", toUri.Parameters["unknownparam1"]);
        Assert.Equal("shortvalue", toUri.Parameters["longparam" + Repeat("name", 25)]);
        Assert.True(toUri.Parameters.Contains("very" + Repeat("long", 25) + "ParameterNameWithNoValue"));

        Assert.Equal("12982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982424", request.From.Tag);
        Assert.Equal(Repeat("amazinglylongcallername", 5), Assert.IsType<SipUri>(request.From.Uri).User);
        Assert.Equal("unknowheaderparam" + Repeat("value", 15), request.From.Parameters["unknownheaderparam" + Repeat("name", 20)]);
        Assert.True(request.From.Parameters.Contains("unknownValuelessparam" + Repeat("nameparam", 9) + "name"));

        Assert.Equal("longreq.one" + Repeat("really", 20) + "longcallid", request.CallId);
        Assert.Equal(
            "unknown-" + Repeat("long", 20) + "-value; unknown-" + Repeat("long", 20) + "-parameter-name = unknown-" + Repeat("long", 20) + "-parameter-value",
            request.GetHeaderValue("Unknown-" + Repeat("Long", 20) + "-Name"));

        // 34 Via values written in every case and spacing of "Via", "v" and the colon, in order.
        IReadOnlyList<ViaHeader> via = request.Via;
        Assert.Equal(34, via.Count);
        for (int i = 0; i < 33; i++)
        {
            AssertVia(via[i], "TCP", $"sip{33 - i}.example.com", null);
        }

        Assert.Equal("host.example.com", via[33].Host);
        Assert.Equal("192.0.2.5", via[33].Received);
        Assert.Equal("very" + Repeat("long", 50) + "branchvalue", via[33].Branch);

        Assert.Equal(Repeat("amazinglylongcallername", 5), Assert.IsType<SipUri>(Assert.Single(request.Contact).Address!.Uri).User);
        Assert.Equal(150, request.ContentLength);
    }

    /// <summary>§3.1.1.8 Extra Trailing Octets in a UDP Datagram.</summary>
    [Fact]
    public void Dblreq()
    {
        // Content-Length is 0, so what follows (it looks like an INVITE) is extra octets of the datagram: the
        // REGISTER is handled, the rest ignored and never forwarded (RFC 3261 §18.3).
        var request = ParseValidRequest("dblreq");

        Assert.Equal(SipMethods.Register, request.Method);
        Assert.Equal("dblreq.0ha0isndaksdj99sdfafnl3lk233412", request.CallId);
        Assert.Equal(0, request.ContentLength);
        Assert.True(request.Body.IsEmpty);
        Assert.Equal(-1, Encoding.ASCII.GetString(request.ToArray()).IndexOf("INVITE", StringComparison.Ordinal));
    }

    /// <summary>§3.1.1.9 Semicolon-Separated Parameters in URI User Part.</summary>
    [Fact]
    public void Semiuri()
    {
        var request = ParseValidRequest("semiuri");

        // The ';' belongs to the user part, which runs to the '@': the user is "user;par=u@example.net", and the
        // URI has no parameters.
        var uri = Assert.IsType<SipUri>(request.RequestUri);
        Assert.Equal("user;par=u@example.net", uri.User);
        Assert.Equal("example.com", uri.Host);
        Assert.Equal(0, uri.Parameters.Count);

        Assert.Equal(
            "application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag",
            request.GetHeaderValue(SipHeaderKind.Accept));
    }

    /// <summary>§3.1.1.10 Varied and Unknown Transport Types.</summary>
    [Fact]
    public void Transports()
    {
        var request = ParseValidRequest("transports");

        Assert.Collection(
            request.Via,
            via => AssertVia(via, "UDP", "t1.example.com", "z9hG4bKkdjuw"),
            via => AssertVia(via, "SCTP", "t2.example.com", "z9hG4bKklasjdhf"),
            via => AssertVia(via, "TLS", "t3.example.com", "z9hG4bK2980unddj"),
            via => AssertVia(via, "UNKNOWN", "t4.example.com", "z9hG4bKasd0f3en"),
            via => AssertVia(via, "TCP", "t5.example.com", "z9hG4bK0a9idfnee"));
        Assert.Equal("transports.kijh4akdnaqjkwendsasfdj", request.CallId);
    }

    /// <summary>§3.1.1.11 Multipart MIME Message.</summary>
    [Fact]
    public void Mpart01()
    {
        var request = ParseValidRequest("mpart01");

        Assert.Equal(SipMethods.Message, request.Method);
        ContentTypeHeader type = request.ContentType!;
        Assert.True(type.IsMediaType("multipart", "mixed"));
        Assert.Equal("7a9cbec02ceef655", type.Parameters["boundary"]);

        // The second part is binary and holds NULs: the body is framed by Content-Length, not by its content.
        Assert.Equal(553, request.ContentLength);
        ReadOnlySpan<byte> body = request.Body.Span;
        Assert.True(body.StartsWith("--7a9cbec02ceef655\r\n"u8));
        Assert.True(body.EndsWith("--7a9cbec02ceef655--\r\n"u8));
        Assert.True(body.Contains((byte)0));
    }

    /// <summary>§3.1.1.12 Unusual Reason Phrase.</summary>
    [Fact]
    public void Unreason()
    {
        var response = ParseValidResponse("unreason");

        // Reason-Phrase allows reserved and unreserved characters and UTF-8: any text, for humans only.
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("= 2**3 * 5**2 но сто девяносто девять - простое", response.ReasonPhrase);
        Assert.Equal(154, response.ContentLength);
    }

    /// <summary>§3.1.1.13 Empty Reason Phrase.</summary>
    [Fact]
    public void Noreason()
    {
        // "SIP/2.0 100 " with the required space and nothing after it.
        var response = ParseValidResponse("noreason");

        Assert.Equal(100, response.StatusCode);
        Assert.Equal(string.Empty, response.ReasonPhrase);
        Assert.True(response.IsProvisional);
    }

    // ---- §3.1.2 Invalid messages ----------------------------------------------------------------------------

    /// <summary>§3.1.2.1 Extraneous Header Field Separators.</summary>
    [Fact]
    public void Badinv01()
    {
        // The Via and Contact values end in empty parameters (";;,;,," and ";;;;"): 400.
        SipParseError error = ParseThenInvalid("badinv01", out SipMessage message);

        AssertFault(message, error, SipRejectReason.MalformedParameter, SipHeaderKind.Via);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("Malformed Parameter in Via", error.ReasonPhrase);
    }

    /// <summary>§3.1.2.2 Content Length Larger Than Message.</summary>
    [Fact]
    public void Clerr()
    {
        byte[] bytes = Load("clerr");

        // Over UDP: answer 400. The partly indexed request is returned so the answer can be addressed.
        SipParseError error = Reject(bytes, out SipMessage? partial);
        Assert.Equal(SipRejectReason.BodyShorterThanContentLength, error.Reason);
        Assert.Equal(SipHeaderKind.ContentLength, error.Header);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("clerr.0ha0isndaksdjweiafasdk3", Assert.IsType<SipRequest>(partial).CallId);

        // Over a stream all the receiver can do is wait for the rest (and close the connection if it never comes).
        Assert.Equal(SipParseStatus.Incomplete, Frame(bytes, out _));
    }

    /// <summary>§3.1.2.3 Negative Content-Length.</summary>
    [Fact]
    public void Ncl()
    {
        byte[] bytes = Load("ncl");

        SipParseError error = Reject(bytes, out SipMessage? partial);
        Assert.Equal(SipRejectReason.MalformedContentLength, error.Reason);
        Assert.Equal(SipHeaderKind.ContentLength, error.Header);
        Assert.Equal(400, error.StatusCode);
        Assert.IsType<SipRequest>(partial);

        // Over a stream the framing is lost for good: reject, and the connection is to be closed.
        Assert.Equal(SipParseStatus.Rejected, Frame(bytes, out SipParseError framed));
        Assert.Equal(SipRejectReason.MalformedContentLength, framed.Reason);
    }

    /// <summary>§3.1.2.4 Request Scalar Fields with Overlarge Values.</summary>
    [Fact]
    public void Scalar02()
    {
        // The CSeq of 2^65 alone earns the 400.
        SipParseError error = Reject(Load("scalar02"), out SipMessage? partial);
        Assert.Equal(SipRejectReason.ValueOutOfRange, error.Reason);
        Assert.Equal(SipHeaderKind.CSeq, error.Header);
        Assert.Equal(400, error.StatusCode);

        // The other faults are found too, each named: Max-Forwards 300 > 255, Expires 10^100 and a Contact expires of
        // 280297596632815, both above 2^32-1. (Had only those been wrong, the RFC would let an element treat
        // Max-Forwards as absent and the expiries as the default 3600; we refuse them all with 400.)
        Assert.NotNull(partial);
        AssertThrowsFault(() => partial.MaxForwards, SipRejectReason.ValueOutOfRange, SipHeaderKind.MaxForwards);
        AssertThrowsFault(() => partial.Expires, SipRejectReason.ValueOutOfRange, SipHeaderKind.Expires);
        AssertThrowsFault(() => partial.Contact, SipRejectReason.ValueOutOfRange, SipHeaderKind.Contact);
    }

    /// <summary>§3.1.2.5 Response Scalar Fields with Overlarge Values.</summary>
    [Fact]
    public void Scalarlg()
    {
        // A response is never answered: it is dropped (RFC 3261 §18.1.2).
        SipParseError error = Reject(Load("scalarlg"), out SipMessage? partial);
        Assert.Equal(SipRejectReason.ValueOutOfRange, error.Reason);
        Assert.Equal(SipHeaderKind.CSeq, error.Header);
        Assert.IsType<SipResponse>(partial);

        // Retry-After above 2^32-1 is refused as well; the four-digit warn-code is in a header we only carry.
        AssertThrowsFault(() => partial.RetryAfter, SipRejectReason.ValueOutOfRange, SipHeaderKind.RetryAfter);
    }

    /// <summary>§3.1.2.6 Unterminated Quoted String in Display Name.</summary>
    [Fact]
    public void Quotbal()
    {
        // The RFC prefers 400; inferring the closing quote is allowed but guesses wrong on inputs such as
        // "Mr J. User <sip:j.user@example.com> <sip:realj@example.net>, so we do not guess.
        SipParseError error = ParseThenInvalid("quotbal", out SipMessage message);

        AssertFault(message, error, SipRejectReason.UnterminatedQuotedString, SipHeaderKind.To);
        Assert.Equal(400, error.StatusCode);
    }

    /// <summary>§3.1.2.7 &lt;&gt; Enclosing Request-URI.</summary>
    [Fact]
    public void Ltgtruri()
    {
        // Always fair to reject with 400; a lenient element may strip the brackets, but must not forward them.
        SipParseError error = Reject(Load("ltgtruri"), out _);

        Assert.Equal(SipRejectReason.MalformedRequestUri, error.Reason);
        Assert.Equal("INVITE ".Length, error.Offset);
        Assert.Equal(400, error.StatusCode);
    }

    /// <summary>§3.1.2.8 Malformed SIP Request-URI (embedded LWS).</summary>
    [Fact]
    public void Lwsruri()
    {
        // "sip:user@example.com; lr": the RFC wants 400. Ignoring the LWS would be possible for SIP URIs, but the
        // Request-Line is split on single spaces (RFC 3261 §7.1), so the URI holds a space and is refused.
        SipParseError error = Reject(Load("lwsruri"), out _);

        Assert.Equal(SipRejectReason.MalformedRequestUri, error.Reason);
        Assert.Equal("INVITE ".Length, error.Offset);
        Assert.Equal(400, error.StatusCode);
    }

    /// <summary>§3.1.2.9 Multiple SP Separating Request-Line Elements.</summary>
    [Fact]
    public void Lwsstart()
    {
        // Rejecting is acceptable; a lenient element could skip the extra spaces (and must not forward them). We
        // keep RFC 3261 §7.1's single SP: the start line is malformed, 400.
        SipParseError error = Reject(Load("lwsstart"), out _);

        Assert.Equal(SipRejectReason.MalformedStartLine, error.Reason);
        Assert.Equal(400, error.StatusCode);
    }

    /// <summary>§3.1.2.10 SP Characters at End of Request-Line.</summary>
    [Fact]
    public void Trws()
    {
        // As for lwsstart: rejecting is acceptable and we do; nothing may follow SIP-Version but CRLF (RFC 3261 §7.1).
        SipParseError error = Reject(Load("trws"), out _);

        Assert.Equal(SipRejectReason.MalformedStartLine, error.Reason);
        Assert.Equal(400, error.StatusCode);
    }

    /// <summary>§3.1.2.11 Escaped Headers in SIP Request-URI.</summary>
    [Fact]
    public void Escruri()
    {
        // RFC 3261 §19.1.1 forbids URI headers in a Request-URI. The RFC wants 400 and lets a lenient element
        // ignore the headers instead; we answer 400 rather than act on a target the sender did not quite write.
        SipParseError error = ParseThenInvalid("escruri", out SipMessage message);

        Assert.Equal(SipRejectReason.MalformedRequestUri, error.Reason);
        Assert.Equal("INVITE ".Length, error.Offset);
        Assert.Equal(400, error.StatusCode);

        // The URI itself is well formed and readable: its header is the escaped Route.
        var uri = Assert.IsType<SipUri>(((SipRequest)message).RequestUri);
        Assert.Equal("<sip:example.com>", uri.Headers["Route"]);
    }

    /// <summary>§3.1.2.12 Invalid Time Zone in Date Header Field.</summary>
    [Fact]
    public void Baddate()
    {
        // Lenient: RFC 3261 §20.17 allows only "GMT", but RFC 4475 says an element should not reject for this
        // unless the Date matters to its processing, and may ignore the value. Nothing in this stack reads Date, so
        // the request is accepted and the header carried as written.
        var request = ParseValidRequest("baddate");

        Assert.Equal("Fri, 01 Jan 2010 16:00:00 EST", request.GetHeaderValue(SipHeaderKind.Date));
        Assert.Equal(150, request.ContentLength);
    }

    /// <summary>§3.1.2.13 Failure to Enclose name-addr URI in &lt;&gt;.</summary>
    [Fact]
    public void Regbadct()
    {
        // The Contact URI carries an escaped header ('?'), so RFC 3261 §20.10 requires angle brackets. Inferring them
        // works here but not in general; we answer 400, which the RFC calls reasonable.
        SipParseError error = ParseThenInvalid("regbadct", out SipMessage message);

        AssertFault(message, error, SipRejectReason.MalformedUri, SipHeaderKind.Contact);
        Assert.Equal(400, error.StatusCode);
    }

    /// <summary>§3.1.2.14 Spaces within addr-spec.</summary>
    [Fact]
    public void Badaspec()
    {
        // "< sip:t.watson@example.org >": no LWS is allowed inside the brackets. Rejecting with 400 is reasonable;
        // we do not ignore the spaces.
        SipParseError error = ParseThenInvalid("badaspec", out SipMessage message);

        AssertFault(message, error, SipRejectReason.MalformedUri, SipHeaderKind.To);
        Assert.Equal(400, error.StatusCode);

        // The quoted display name with a comma in From is fine.
        Assert.Equal("Bell, Alexander", message.From.DisplayName);
    }

    /// <summary>§3.1.2.15 Non-token Characters in Display Name.</summary>
    [Fact]
    public void Baddn()
    {
        // "Bell, Alexander" unquoted: ',' is not a token character. Always reasonable to reject with 400; inferring
        // quotes is allowed but a proxy could not forward the fix under a signature, so we reject. From is the
        // first faulty header.
        SipParseError error = ParseThenInvalid("baddn", out SipMessage message);

        AssertFault(message, error, SipRejectReason.InvalidCharacter, SipHeaderKind.From);
        Assert.Equal(400, error.StatusCode);
        AssertThrowsFault(() => message.To, SipRejectReason.InvalidCharacter, SipHeaderKind.To);
    }

    /// <summary>§3.1.2.16 Unknown Protocol Version.</summary>
    [Fact]
    public void Badvers()
    {
        SipParseError error = Reject(Load("badvers"), out _);

        Assert.Equal(SipRejectReason.UnsupportedVersion, error.Reason);
        Assert.Equal(505, error.StatusCode);
    }

    /// <summary>§3.1.2.17 Start Line and CSeq Method Mismatch.</summary>
    [Fact]
    public void Mismatch01()
    {
        SipParseError error = Reject(Load("mismatch01"), out SipMessage? partial);

        Assert.Equal(SipRejectReason.CSeqMethodMismatch, error.Reason);
        Assert.Equal(SipHeaderKind.CSeq, error.Header);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal(SipMethods.Options, Assert.IsType<SipRequest>(partial).Method);
    }

    /// <summary>§3.1.2.18 Unknown Method with CSeq Method Mismatch.</summary>
    [Fact]
    public void Mismatch02()
    {
        // The RFC prefers 501 (better for future methods, above all at proxies) and accepts 400. The parser
        // refuses the mismatch, which maps to 400; the partly parsed request still shows the unknown method, so a
        // UAS that wants to can answer 501 instead.
        SipParseError error = Reject(Load("mismatch02"), out SipMessage? partial);

        Assert.Equal(SipRejectReason.CSeqMethodMismatch, error.Reason);
        Assert.Equal(SipHeaderKind.CSeq, error.Header);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("NEWMETHOD", Assert.IsType<SipRequest>(partial).Method);
    }

    /// <summary>§3.1.2.19 Overlarge Response Code.</summary>
    [Fact]
    public void Bigcode()
    {
        // Status code 4294967301: the response is simply dropped.
        SipParseError error = Reject(Load("bigcode"), out SipMessage? partial);

        Assert.Equal(SipRejectReason.InvalidStatusCode, error.Reason);
        Assert.Null(partial);
    }

    // ---- §3.2 Transaction layer -----------------------------------------------------------------------------

    /// <summary>§3.2.1 Missing Transaction Identifier.</summary>
    [Fact]
    public void Badbranch()
    {
        // The branch is the bare magic cookie: it claims RFC 3261 matching but identifies nothing. The RFC allows a
        // 400 (best sent statelessly, as the sender's other requests are likely alike) or falling back to RFC 2543
        // matching. We answer 400: a transaction keyed on "z9hG4bK" alone would swallow every such request.
        SipParseError error = ParseThenInvalid("badbranch", out SipMessage message);

        Assert.Equal(SipRejectReason.MalformedParameter, error.Reason);
        Assert.Equal(SipHeaderKind.Via, error.Header);
        Assert.Equal(message.GetHeaderValueOffset(message.IndexOfHeader(SipHeaderKind.Via)), error.Offset);
        Assert.Equal(400, error.StatusCode);

        // The Via itself is well formed: it is the transaction layer's use of it that fails.
        Assert.Equal(SipIds.BranchMagicCookie, Assert.Single(message.Via).Branch);
    }

    // ---- §3.3 Application layer -----------------------------------------------------------------------------

    /// <summary>§3.3.1 Missing Required Header Fields.</summary>
    [Fact]
    public void Insuf()
    {
        // No Call-ID, From or To: 400, ideally. The first one missing is named in the reason phrase.
        SipParseError error = Reject(Load("insuf"), out SipMessage? partial);

        Assert.Equal(SipRejectReason.MissingHeader, error.Reason);
        Assert.Equal(SipHeaderKind.To, error.Header);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("Missing To", error.ReasonPhrase);
        Assert.NotNull(partial);
        Assert.Equal(-1, partial.IndexOfHeader(SipHeaderKind.From));
        Assert.Equal(-1, partial.IndexOfHeader(SipHeaderKind.CallId));
        AssertThrowsFault(() => partial.From, SipRejectReason.MissingHeader, SipHeaderKind.From);
    }

    /// <summary>§3.3.2 Request-URI with Unknown Scheme.</summary>
    [Fact]
    public void Unkscm()
    {
        // Well formed; a UAS answers 416 Unsupported URI Scheme. The To header is no routing input.
        var request = ParseValidRequest("unkscm");

        var uri = Assert.IsType<AbsoluteUri>(request.RequestUri);
        Assert.Equal("nobodyKnowsThisScheme", uri.Scheme);
        Assert.Equal("totallyopaquecontent", uri.SchemeSpecificPart);
        Assert.IsType<SipUri>(request.To.Uri);
    }

    /// <summary>§3.3.3 Request-URI with Known but Atypical Scheme.</summary>
    [Fact]
    public void Novelsc()
    {
        // Well formed; an element that never serves this scheme answers 416, one that serves some answers 404.
        var request = ParseValidRequest("novelsc");

        var uri = Assert.IsType<AbsoluteUri>(request.RequestUri);
        Assert.Equal("soap.beep", uri.Scheme);
        Assert.Equal("//192.0.2.103:3002", uri.SchemeSpecificPart);
    }

    /// <summary>§3.3.4 Unknown URI Schemes in Header Fields.</summary>
    [Fact]
    public void Unksm2()
    {
        // Syntactically valid: proxies treat it like any request. A registrar answers 400, because the To of a
        // REGISTER must be a SIP or SIPS URI (the address-of-record, RFC 3261 §10.3).
        var request = ParseValidRequest("unksm2");

        Assert.Equal(SipMethods.Register, request.Method);
        Assert.Equal("isbn", Assert.IsType<AbsoluteUri>(request.To.Uri).Scheme);
        Assert.IsNotType<SipUri>(request.To.Uri);
        var from = Assert.IsType<AbsoluteUri>(request.From.Uri);
        Assert.Equal("http", from.Scheme);
        Assert.Equal("3234233", request.From.Tag);
        Assert.Equal("name", Assert.Single(request.Contact).Address!.Uri.Scheme);
    }

    /// <summary>§3.3.5 Proxy-Require and Require.</summary>
    [Fact]
    public void Bext01()
    {
        // A UAS answers 420 Bad Extension listing the Require options in Unsupported; a proxy does the same with
        // the Proxy-Require options.
        var request = ParseValidRequest("bext01");

        Assert.Equal(new[] { "nothingSupportsThis", "nothingSupportsThisEither" }, request.Require);
        Assert.Equal(new[] { "noProxiesSupportThis", "norDoAnyProxiesSupportThis" }, request.ProxyRequire);
        Assert.Equal("TLS", Assert.Single(request.Via).Transport);
    }

    /// <summary>§3.3.6 Unknown Content-Type.</summary>
    [Fact]
    public void Invut()
    {
        // A proxy handles it like any INVITE; an endpoint answers 415 Unsupported Media Type.
        var request = ParseValidRequest("invut");

        ContentTypeHeader type = request.ContentType!;
        Assert.Equal("application/unknownformat", type.MediaType);
        Assert.False(type.IsMediaType("application", "sdp"));
        Assert.Equal(40, request.ContentLength);
        Assert.Equal("<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n", Encoding.ASCII.GetString(request.Body.Span));
    }

    /// <summary>§3.3.7 Unknown Authorization Scheme.</summary>
    [Fact]
    public void Regaut01()
    {
        // Well formed. A proxy forwards the Authorization untouched; a registrar that does not authenticate ignores
        // it; one that does answers 401 with a challenge in a scheme it knows.
        var request = ParseValidRequest("regaut01");

        AuthHeader credentials = Assert.Single(request.Authorization);
        Assert.Equal("NoOneKnowsThisScheme", credentials.Scheme);
        Assert.False(credentials.IsDigest);
        Assert.True(credentials.TryGetParameter("opaque-data", out string? value));
        Assert.Equal("here", value);
        Assert.Equal("NoOneKnowsThisScheme opaque-data=here", request.GetHeaderValue(SipHeaderKind.Authorization));
    }

    /// <summary>§3.3.8 Multiple Values in Single Value Required Fields.</summary>
    [Fact]
    public void Multi01()
    {
        // Two different CSeq, Call-ID, To, From and Max-Forwards: 400. The first repeat in the message is named.
        SipParseError error = Reject(Load("multi01"), out SipMessage? partial);

        Assert.Equal(SipRejectReason.DuplicateHeader, error.Reason);
        Assert.Equal(SipHeaderKind.CSeq, error.Header);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("Duplicate CSeq", error.ReasonPhrase);
        Assert.NotNull(partial);
    }

    /// <summary>§3.3.9 Multiple Content-Length Values.</summary>
    [Fact]
    public void Mcl01()
    {
        // Conflicting lengths are as bad for framing as a bad length: an error over UDP, and over a stream the
        // connection is to be closed.
        byte[] bytes = Load("mcl01");
        SipParseError error = Reject(bytes, out _);

        Assert.Equal(SipRejectReason.DuplicateHeader, error.Reason);
        Assert.Equal(SipHeaderKind.ContentLength, error.Header);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal(SipParseStatus.Rejected, Frame(bytes, out _));
    }

    /// <summary>§3.3.10 200 OK Response with Broadcast Via Header Field Value.</summary>
    [Fact]
    public void Bcast()
    {
        // Well formed. A UAC drops a response with more than one Via (RFC 3261 §8.1.3.3); a proxy must take care
        // not to forward it to the broadcast address.
        var response = ParseValidResponse("bcast");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(2, response.Via.Count);
        Assert.Equal("192.0.2.198", response.Via[0].Host);
        Assert.Equal("255.255.255.255", response.Via[1].Host);
        Assert.Equal(SipHostKind.IPv4, Assert.IsType<SipUri>(SipUriOf("sip:" + response.Via[1].Host)).HostKind);
    }

    /// <summary>§3.3.11 Max-Forwards of Zero.</summary>
    [Fact]
    public void Zeromf()
    {
        // A proxy must not forward it and answers 483 Too Many Hops; a UAS, its target, serves it normally.
        var request = ParseValidRequest("zeromf");

        Assert.Equal(0, request.MaxForwards);
        Assert.Equal(SipMethods.Options, request.Method);
    }

    /// <summary>§3.3.12 REGISTER with a Contact Header Parameter.</summary>
    [Fact]
    public void Cparam01()
    {
        // Without angle brackets, "unknownparam" is a contact parameter, not a URI parameter (RFC 3261 §20.10): it
        // must not become part of the binding's URI.
        var request = ParseValidRequest("cparam01");

        NameAddress address = Assert.Single(request.Contact).Address!;
        Assert.True(address.Parameters.Contains("unknownparam"));
        var uri = Assert.IsType<SipUri>(address.Uri);
        Assert.False(uri.Parameters.Contains("unknownparam"));
        Assert.Equal("sip:+19725552222@gw1.example.net", uri.ToString());
    }

    /// <summary>§3.3.13 REGISTER with a URL Parameter.</summary>
    [Fact]
    public void Cparam02()
    {
        // Inside the brackets the parameter belongs to the URI and stays part of the binding.
        var request = ParseValidRequest("cparam02");

        NameAddress address = Assert.Single(request.Contact).Address!;
        Assert.False(address.Parameters.Contains("unknownparam"));
        var uri = Assert.IsType<SipUri>(address.Uri);
        Assert.True(uri.Parameters.Contains("unknownparam"));
        Assert.Equal("sip:+19725552222@gw1.example.net;unknownparam", uri.ToString());
    }

    /// <summary>§3.3.14 REGISTER with a URL Escaped Header.</summary>
    [Fact]
    public void Regescrt()
    {
        // In brackets, a URI header is fine in a Contact (unlike regbadct): the registration succeeds and the header
        // stays part of the binding.
        var request = ParseValidRequest("regescrt");

        var uri = Assert.IsType<SipUri>(Assert.Single(request.Contact).Address!.Uri);
        Assert.Equal("<sip:sip.example.com>", uri.Headers["Route"]);
        Assert.Equal("sip:user@example.com?Route=%3Csip:sip.example.com%3E", uri.ToString());
    }

    /// <summary>§3.3.15 Unacceptable Accept Offering.</summary>
    [Fact]
    public void Sdp01()
    {
        // The Accept rules out SDP in the answer: a UAS answers 406 Not Acceptable (or 400, as every UA that does
        // INVITE must support SDP).
        var request = ParseValidRequest("sdp01");

        Assert.Equal("text/nobodyKnowsThis", request.GetHeaderValue(SipHeaderKind.Accept));
        Assert.True(request.ContentType!.IsMediaType("application", "sdp"));
    }

    // ---- §3.4 Backward compatibility ------------------------------------------------------------------------

    /// <summary>§3.4.1 INVITE with RFC 2543 Syntax.</summary>
    [Fact]
    public void Inv2543()
    {
        // Accepted for backward compatibility: no branch, no From tag, no Max-Forwards, no Content-Length (the body
        // is the rest of the datagram).
        var request = ParseValidRequest("inv2543");

        ViaHeader via = Assert.Single(request.Via);
        Assert.Null(via.Branch);
        Assert.False(via.HasRfc3261Branch);
        Assert.Null(request.From.Tag);
        Assert.True(request.FromTag.IsEmpty);
        Assert.Null(request.MaxForwards);
        Assert.Equal(-1, request.IndexOfHeader(SipHeaderKind.ContentLength));
        Assert.Equal("phone", Assert.IsType<SipUri>(request.From.Uri).UserParam);
        Assert.Equal("ss1.example.com", Assert.IsType<SipUri>(Assert.Single(request.RecordRoute).Uri).Maddr);

        byte[] bytes = Load("inv2543");
        int bodyStart = bytes.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        Assert.Equal(bytes.Length - bodyStart, request.ContentLength);
        Assert.True(request.Body.Span.SequenceEqual(bytes.AsSpan(bodyStart)));
    }

    /// <summary>The test class holds exactly one test per torture file.</summary>
    [Fact]
    public void EveryTortureMessageHasItsOwnTest()
    {
        string[] files = Directory.GetFiles(TestData.PathOf("rfc4475"), "*.dat");
        Assert.Equal(49, files.Length);
        foreach (string file in files)
        {
            string name = Path.GetFileNameWithoutExtension(file);
            string method = char.ToUpperInvariant(name[0]) + name[1..];
            MethodInfo? test = typeof(Rfc4475TortureTests).GetMethod(method);
            Assert.True(test?.GetCustomAttribute<FactAttribute>() is not null, $"No test for {name}.dat");
        }
    }

    // ---- Helpers --------------------------------------------------------------------------------------------

    private static byte[] Load(string name) => TestData.Bytes($"rfc4475/{name}.dat");

    private static SipMessage ParseValid(string name)
    {
        byte[] bytes = Load(name);
        Assert.True(SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error), $"{name}: {error}");
        Assert.True(message!.TryValidate(out error), $"{name}: {error}");

        // The lean check a UAS makes accepts it too (on a message of its own: nothing decoded yet).
        Assert.True(SipMessageParser.TryParse(bytes, out SipMessage? fresh, out _));
        Assert.True(fresh!.TryValidateAsUas(out error), $"{name} as UAS: {error}");

        // What we would forward parses and validates again, with the same headers.
        Assert.True(SipMessageParser.TryParse(message.ToArray(), out SipMessage? again, out error), $"{name} reserialized: {error}");
        Assert.True(again!.TryValidate(out error), $"{name} reserialized: {error}");
        // Serializing writes a Content-Length when the message had none (RFC 2543 style, inv2543).
        Assert.Equal(message.HeaderCount + (message.IndexOfHeader(SipHeaderKind.ContentLength) < 0 ? 1 : 0), again.HeaderCount);
        Assert.Equal(message.CallId, again.CallId);
        Assert.True(message.Body.Span.SequenceEqual(again.Body.Span));
        return message;
    }

    private static SipRequest ParseValidRequest(string name) => Assert.IsType<SipRequest>(ParseValid(name));

    private static SipResponse ParseValidResponse(string name) => Assert.IsType<SipResponse>(ParseValid(name));

    /// <summary>
    /// A message the parser accepts and the validator refuses; a request is refused alike, same reason at the same
    /// place, by the lean check a UAS makes (run first, on a message nothing was decoded from).
    /// </summary>
    private static SipParseError ParseThenInvalid(string name, out SipMessage message)
    {
        Assert.True(SipMessageParser.TryParse(Load(name), out SipMessage? parsed, out SipParseError error), $"{name}: {error}");
        message = parsed!;
        SipParseError asUas = default;
        bool uasValid = message is SipRequest && message.TryValidateAsUas(out asUas);
        Assert.False(message.TryValidate(out error));
        if (message is SipRequest)
        {
            Assert.False(uasValid, $"{name}: the UAS check accepts it");
            Assert.Equal(error, asUas);
        }

        return error;
    }

    /// <summary>A message the parser refuses; <paramref name="partial"/> is what it could index, if anything.</summary>
    private static SipParseError Reject(byte[] bytes, out SipMessage? partial)
    {
        Assert.False(SipMessageParser.TryParse(bytes, out partial, out SipParseError error));
        return error;
    }

    private static SipParseStatus Frame(byte[] bytes, out SipParseError error)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        return SipStreamFramer.TryReadMessage(ref buffer, out _, out _, out error);
    }

    /// <summary>The fault is of <paramref name="reason"/>, in the first <paramref name="header"/>, at its value.</summary>
    private static void AssertFault(SipMessage message, SipParseError error, SipRejectReason reason, SipHeaderKind header)
    {
        Assert.Equal(reason, error.Reason);
        Assert.Equal(header, error.Header);
        Assert.Equal(message.GetHeaderValueOffset(message.IndexOfHeader(header)), error.Offset);

        // The typed accessor names the same fault.
        Assert.Equal(error, Assert.Throws<SipMessageException>(() => Read(message, header)).Error);
    }

    private static void AssertThrowsFault(Func<object?> read, SipRejectReason reason, SipHeaderKind header)
    {
        SipMessageException exception = Assert.Throws<SipMessageException>(read);
        Assert.Equal(reason, exception.Error.Reason);
        Assert.Equal(header, exception.Error.Header);
        Assert.Contains(SipHeaderNames.GetCanonicalName(header), exception.Message, StringComparison.Ordinal);
    }

    private static object? Read(SipMessage message, SipHeaderKind header) => header switch
    {
        SipHeaderKind.Via => message.Via,
        SipHeaderKind.From => message.From,
        SipHeaderKind.To => message.To,
        SipHeaderKind.Contact => message.Contact,
        _ => throw new ArgumentOutOfRangeException(nameof(header)),
    };

    private static void AssertVia(ViaHeader via, string transport, string host, string? branch)
    {
        Assert.Equal("SIP/2.0", via.Protocol);
        Assert.Equal(transport, via.Transport);
        Assert.Equal(host, via.Host);
        Assert.Equal(branch, via.Branch);
    }

    private static AddrSpec SipUriOf(string text)
    {
        Assert.True(AddrSpec.TryParse(text, out AddrSpec? uri, out _));
        return uri;
    }

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));
}
