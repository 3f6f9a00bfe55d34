using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipMessageParserTests
{
    internal const string Invite =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "From: \"Alice; the <first>\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@pc33.atlanta.example.com>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 4\r\n" +
        "\r\n" +
        "v=0\n";

    private static SipMessage Parse(string text)
    {
        Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out SipMessage? message, out SipParseError error), error.ToString());
        return message!;
    }

    private static SipParseError Reject(string text)
    {
        Assert.False(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out _, out SipParseError error));
        return error;
    }

    [Fact]
    public void ParsesTheHotPathFieldsOfAnInvite()
    {
        var request = Assert.IsType<SipRequest>(Parse(Invite));
        Assert.Same(SipMethods.Invite, request.Method);
        Assert.Equal("sip:bob@biloxi.example.com", request.RequestUriText);
        Assert.Equal("a84b4c76e66710@pc33.atlanta.example.com", request.CallId);
        Assert.Equal(314159u, request.CSeqNumber);
        Assert.Same(SipMethods.Invite, request.CSeqMethod);
        Assert.Equal("z9hG4bK776asdhds", Encoding.ASCII.GetString(request.TopViaBranch));
        Assert.Equal("1928301774", Encoding.ASCII.GetString(request.FromTag));
        Assert.True(request.ToTag.IsEmpty);
        Assert.Equal("v=0\n", Encoding.ASCII.GetString(request.Body.Span));
        Assert.Equal(9, request.HeaderCount);
    }

    [Fact]
    public void ParsesAResponseStatusLine()
    {
        var response = Assert.IsType<SipResponse>(Parse(
            "SIP/2.0 180 Ringing Now\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nTo: <sip:b@h>;tag=t2\r\nFrom: <sip:a@h>;tag=t1\r\n" +
            "Call-ID: c1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n"));
        Assert.Equal(180, response.StatusCode);
        Assert.Equal("Ringing Now", response.ReasonPhrase);
        Assert.Same(SipMethods.Invite, response.CSeqMethod);
        Assert.Equal("t2", Encoding.ASCII.GetString(response.ToTag));
    }

    [Fact]
    public void UnfoldsContinuationLinesIntoOneSpace()
    {
        SipMessage message = Parse(Invite.Replace("Max-Forwards: 70\r\n", "Subject: first\r\n   \t second\r\n\tthird\r\nMax-Forwards: 70\r\n", StringComparison.Ordinal));
        Assert.Equal("first second third", message.GetHeaderValue("subject"));
        Assert.Equal("first second third", message.GetHeaderValue("s"));
        int index = message.IndexOfHeader(SipHeaderKind.Subject);
        Assert.Equal("Subject: first\r\n   \t second\r\n\tthird", Encoding.ASCII.GetString(message.GetRawHeaderBytes(index)));
    }

    [Fact]
    public void ReadsCompactHeaderNamesInAnyCase()
    {
        SipMessage message = Parse(
            "OPTIONS sip:a@h SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nT: <sip:b@h>\r\nf: <sip:a@h>;tag=1\r\ni: abc\r\n" +
            "cSeQ: 1 OPTIONS\r\nL: 0\r\n\r\n");
        Assert.Equal("abc", message.CallId);
        Assert.Equal(SipHeaderKind.Via, message.GetHeaderKind(0));
        Assert.Equal("Call-ID", message.GetHeaderName(3));
    }

    [Fact]
    public void KeepsUnknownHeadersAsWritten()
    {
        SipMessage message = Parse(Invite.Replace("Max-Forwards: 70\r\n", "X-Custom-Thing :  some, value ; p=1\r\nMax-Forwards: 70\r\n", StringComparison.Ordinal));
        int index = message.IndexOfHeader("x-custom-thing");
        Assert.Equal(SipHeaderKind.Unknown, message.GetHeaderKind(index));
        Assert.Equal("X-Custom-Thing", message.GetHeaderName(index));
        Assert.Equal("some, value ; p=1", message.GetHeaderValue(index));
    }

    [Fact]
    public void TruncatesADatagramBodyLongerThanContentLength()
    {
        SipMessage message = Parse(Invite + "trailing junk");
        Assert.Equal("v=0\n", Encoding.ASCII.GetString(message.Body.Span));
    }

    [Fact]
    public void RejectsADatagramBodyShorterThanContentLength()
    {
        SipParseError error = Reject(Invite.Replace("Content-Length: 4", "Content-Length: 40", StringComparison.Ordinal));
        Assert.Equal(SipRejectReason.BodyShorterThanContentLength, error.Reason);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void TakesTheRestOfTheDatagramAsBodyWithoutContentLength()
    {
        SipMessage message = Parse(Invite.Replace("Content-Length: 4\r\n", string.Empty, StringComparison.Ordinal));
        Assert.Equal("v=0\n", Encoding.ASCII.GetString(message.Body.Span));
    }

    [Fact]
    public void RequiresContentLengthOnStreams()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Invite.Replace("Content-Length: 4\r\n", string.Empty, StringComparison.Ordinal));
        Assert.False(SipMessageParser.TryParse(new System.Buffers.ReadOnlySequence<byte>(bytes), out _, out SipParseError error));
        Assert.Equal(SipRejectReason.MissingContentLength, error.Reason);
    }

    [Fact]
    public void NamesTheMissingHeaderInTheReasonPhrase()
    {
        SipParseError error = Reject(Invite.Replace("Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n", string.Empty, StringComparison.Ordinal));
        Assert.Equal(SipRejectReason.MissingHeader, error.Reason);
        Assert.Equal(SipHeaderKind.CallId, error.Header);
        Assert.Equal("Missing Call-ID", error.ReasonPhrase);
    }

    [Fact]
    public void ReturnsThePartlyParsedRequestSoItCanBeAnswered()
    {
        Assert.False(SipMessageParser.TryParse(
            Encoding.UTF8.GetBytes(Invite.Replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE", StringComparison.Ordinal)),
            out SipMessage? message, out SipParseError error));
        Assert.Equal(SipRejectReason.CSeqMethodMismatch, error.Reason);
        Assert.NotNull(message);
        Assert.Equal("z9hG4bK776asdhds", Encoding.ASCII.GetString(message!.TopViaBranch));
    }

    [Theory]
    [InlineData("INVITE sip:a@h SIP/3.0", SipRejectReason.UnsupportedVersion, 505)]
    [InlineData("INVITE  sip:a@h SIP/2.0", SipRejectReason.MalformedStartLine, 400)]
    [InlineData("INVITE sip:a@h SIP/2.0 ", SipRejectReason.MalformedStartLine, 400)]
    [InlineData("INVITE <sip:a@h> SIP/2.0", SipRejectReason.MalformedRequestUri, 400)]
    [InlineData("INVITE sip:a@h;x y SIP/2.0", SipRejectReason.MalformedRequestUri, 400)]
    [InlineData("INV(TE sip:a@h SIP/2.0", SipRejectReason.InvalidMethod, 400)]
    [InlineData("SIP/2.0 1000 Big", SipRejectReason.InvalidStatusCode, 400)]
    [InlineData("SIP/2.0 099 Small", SipRejectReason.InvalidStatusCode, 400)]
    [InlineData("garbage", SipRejectReason.MalformedStartLine, 400)]
    public void RejectsABadStartLineWithItsReason(string startLine, SipRejectReason reason, int status)
    {
        SipParseError error = Reject(startLine + "\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n");
        Assert.Equal(reason, error.Reason);
        Assert.Equal(status, error.StatusCode);
    }

    [Theory]
    [InlineData("Content-Length: -4", SipRejectReason.MalformedContentLength)]
    [InlineData("Content-Length: 99999999999", SipRejectReason.ValueOutOfRange)]
    [InlineData("Content-Length: 4\r\nl: 5", SipRejectReason.DuplicateHeader)]
    [InlineData("Content-Length: 4\r\nNo colon here", SipRejectReason.MalformedHeaderLine)]
    [InlineData("Content-Length: 4\r\n: empty name", SipRejectReason.MalformedHeaderLine)]
    public void RejectsBadHeaderLines(string replacement, SipRejectReason reason)
    {
        SipParseError error = Reject(Invite.Replace("Content-Length: 4", replacement, StringComparison.Ordinal));
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void AHeaderNameWithABadByteIsRefusedButTheRestIsIndexedSoTheRequestCanBeAnswered()
    {
        byte[] bytes = Encoding.Latin1.GetBytes(Invite.Replace("Max-Forwards: 70\r\n", "U\u00e8er-Agent: x\r\n folded\r\n", StringComparison.Ordinal));

        Assert.False(SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error));

        Assert.Equal(SipRejectReason.MalformedHeaderLine, error.Reason);
        Assert.Equal(Invite.IndexOf("Max-Forwards", StringComparison.Ordinal), error.Offset);
        Assert.Equal("Malformed Header Line", error.ReasonPhrase);
        var request = Assert.IsType<SipRequest>(message);
        Assert.Equal("a84b4c76e66710@pc33.atlanta.example.com", request.CallId);
        Assert.Equal(314159u, request.CSeqNumber);
        Assert.Equal(8, request.HeaderCount);
        Assert.Equal("SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds", Encoding.ASCII.GetString(request.GetHeaderValueBytes(0)));
    }

    [Theory]
    [InlineData("CSeq: 2147483648 INVITE", SipRejectReason.ValueOutOfRange)]
    [InlineData("CSeq: INVITE", SipRejectReason.MalformedHeader)]
    [InlineData("CSeq: 12INVITE", SipRejectReason.MalformedHeader)]
    [InlineData("CSeq: 1 INVITE\r\nCSeq: 2 INVITE", SipRejectReason.DuplicateHeader)]
    public void RejectsABadCSeq(string replacement, SipRejectReason reason)
    {
        SipParseError error = Reject(Invite.Replace("CSeq: 314159 INVITE", replacement, StringComparison.Ordinal));
        Assert.Equal(reason, error.Reason);
        Assert.Equal(SipHeaderKind.CSeq, error.Header);
    }

    [Fact]
    public void RejectsATruncatedHeaderBlock()
    {
        Assert.Equal(SipRejectReason.UnterminatedHeaderBlock, Reject(Invite[..120]).Reason);
    }

    [Fact]
    public void RejectsAHeaderBlockOverTheLimit()
    {
        string big = Invite.Replace("Max-Forwards: 70\r\n", "X-Pad: " + new string('a', 20_000) + "\r\nMax-Forwards: 70\r\n", StringComparison.Ordinal);
        SipParseError error = Reject(big);
        Assert.Equal(SipRejectReason.HeaderBlockTooLarge, error.Reason);
        Assert.Equal(513, error.StatusCode);
    }

    [Fact]
    public void AFoldedValueOfMoreThan64KiBIsRefusedEvenUnderRaisedLimits()
    {
        var limits = new SipLimits { MaxMessageBytes = 200_000, MaxHeaderBytes = 150_000 };
        string fold = "X-Pad: a\r\n " + new string('b', 40_000) + "\r\n " + new string('c', 40_000) + "\r\n";
        string big = Invite.Replace("Max-Forwards: 70\r\n", fold + "Max-Forwards: 70\r\n", StringComparison.Ordinal);

        Assert.False(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(big), out _, out SipParseError error, limits));

        Assert.Equal(SipRejectReason.HeaderBlockTooLarge, error.Reason);
    }

    [Fact]
    public void AFoldedValueUnder64KiBIsIndexedWhole()
    {
        var limits = new SipLimits { MaxMessageBytes = 200_000, MaxHeaderBytes = 150_000 };
        string fold = "X-Pad: a\r\n " + new string('b', 30_000) + "\r\n " + new string('c', 30_000) + "\r\n";
        string big = Invite.Replace("Max-Forwards: 70\r\n", fold + "Max-Forwards: 70\r\n", StringComparison.Ordinal);

        Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(big), out SipMessage? message, out _, limits));

        Assert.Equal(1 + 1 + 30_000 + 1 + 30_000, message!.GetHeaderValue("X-Pad")!.Length);
        Assert.Equal(70, message.MaxForwards);
    }

    [Fact]
    public void RejectsMoreHeadersThanTheLimit()
    {
        var text = new StringBuilder(Invite.Length + 4000);
        text.Append(Invite.AsSpan(0, Invite.IndexOf("Max-Forwards", StringComparison.Ordinal)));
        for (int i = 0; i < 300; i++)
        {
            text.Append("X-H: 1\r\n");
        }

        text.Append(Invite.AsSpan(Invite.IndexOf("Max-Forwards", StringComparison.Ordinal)));
        Assert.Equal(SipRejectReason.HeaderBlockTooLarge, Reject(text.ToString()).Reason);
    }

    [Fact]
    public void IndexesMoreHeadersThanFitInline()
    {
        var text = new StringBuilder();
        text.Append(Invite.AsSpan(0, Invite.IndexOf("Max-Forwards", StringComparison.Ordinal)));
        for (int i = 0; i < 100; i++)
        {
            text.Append("Record-Route: <sip:p").Append(i).Append(".example.com;lr>\r\n");
        }

        text.Append(Invite.AsSpan(Invite.IndexOf("Max-Forwards", StringComparison.Ordinal)));
        SipMessage message = Parse(text.ToString());
        Assert.Equal(109, message.HeaderCount);
        Assert.Equal("<sip:p99.example.com;lr>", message.GetHeaderValue(message.IndexOfHeader(SipHeaderKind.RecordRoute, 100)));
        Assert.Equal("a84b4c76e66710@pc33.atlanta.example.com", message.CallId);
    }

    [Fact]
    public void SkipsLeadingLineBreaksAndAcceptsBareLineFeeds()
    {
        SipMessage message = Parse("\r\n\r\n" + Invite.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(314159u, message.CSeqNumber);
        Assert.Equal("v=0\n", Encoding.ASCII.GetString(message.Body.Span));
    }

    [Fact]
    public void RejectsAnEmptyDatagram()
    {
        Assert.Equal(SipRejectReason.Empty, Reject("\r\n\r\n").Reason);
        Assert.Equal(SipRejectReason.Empty, Reject(string.Empty).Reason);
    }

    [Fact]
    public void SerializesCanonicallyWithFullNamesAndARecomputedLength()
    {
        SipMessage message = Parse(
            "OPTIONS sip:a@h SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nT: <sip:b@h>\r\nf: <sip:a@h>;tag=1\r\ni: abc\r\n" +
            "CSeq: 1 OPTIONS\r\nSubject: a\r\n b\r\n\r\nbody");
        string canonical = Encoding.UTF8.GetString(message.ToArray());
        Assert.Equal(
            "OPTIONS sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: abc\r\n" +
            "CSeq: 1 OPTIONS\r\nSubject: a b\r\nContent-Length: 4\r\n\r\nbody",
            canonical);
        SipMessage again = Parse(canonical);
        Assert.Equal(message.HeaderCount + 1, again.HeaderCount);
    }

    [Fact]
    public void EveryPrefixOfAStreamMessageIsIncompleteAndTheWholeIsComplete()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Invite);
        for (int length = 0; length < bytes.Length; length++)
        {
            var prefix = new System.Buffers.ReadOnlySequence<byte>(bytes, 0, length);
            Assert.Equal(SipParseStatus.Incomplete, SipStreamFramer.TryReadMessage(ref prefix, out _, out _, out _));
        }

        var whole = new System.Buffers.ReadOnlySequence<byte>(bytes);
        Assert.Equal(SipParseStatus.Complete, SipStreamFramer.TryReadMessage(ref whole, out var framed, out _, out _));
        Assert.True(whole.IsEmpty);
        Assert.Equal(bytes.Length, framed.Length);
    }

    [Theory]
    [InlineData("INVITE sip:bob@biloxi.example.com SIP/7.0", SipRejectReason.UnsupportedVersion, 505)]
    [InlineData("INVITE  sip:bob@biloxi.example.com  SIP/2.0", SipRejectReason.MalformedStartLine, 400)]
    [InlineData("INVITE <sip:bob@biloxi.example.com> SIP/2.0", SipRejectReason.MalformedRequestUri, 400)]
    public void ReturnsARequestWithAFaultyRequestLineSoItCanBeAnswered(string requestLine, SipRejectReason reason, int status)
    {
        string text = requestLine + Invite[Invite.IndexOf("\r\n", StringComparison.Ordinal)..];
        Assert.False(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out SipMessage? message, out SipParseError error));
        Assert.Equal(reason, error.Reason);
        var request = Assert.IsType<SipRequest>(message);
        SipMessage answer = SipMessageBuilder.ResponseTo(request, error.StatusCode, error.ReasonPhrase).Build();
        Assert.Equal(status, ((SipResponse)answer).StatusCode);
        Assert.Equal("z9hG4bK776asdhds", Encoding.ASCII.GetString(answer.TopViaBranch));
        Assert.Equal(request.CallId, answer.CallId);
    }

    [Fact]
    public void ParsingAnInviteAndReadingItsHotPathFieldsAllocatesOnlyTheMessage()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Invite);
        int Read()
        {
            Assert.True(SipMessageParser.TryParse(bytes, out SipMessage? message, out _));
            return message!.CallIdBytes.Length + (int)message.CSeqNumber + message.TopViaBranch.Length + message.FromTag.Length + message.ToTag.Length;
        }

        Read(); // Warm up: static tables, JIT.
        long before = GC.GetAllocatedBytesForCurrentThread();
        Read();
        long parse = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(new SipRequest(bytes, SipMethods.Invite, 0, 1));
        long oneObject = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(oneObject, parse);
    }
}
