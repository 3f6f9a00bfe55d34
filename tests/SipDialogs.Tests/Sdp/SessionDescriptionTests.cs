using System.Text;
using SipDialogs.Sdp;

namespace SipDialogs.Tests.Sdp;

public class SessionDescriptionTests
{
    // A phone's offer as linphone sends it: PCMA, PCMU, telephone-event, an extra attribute and a bandwidth line.
    internal const string PhoneOffer =
        "v=0\r\n" +
        "o=linphone 3461 678 IN IP4 192.0.2.10\r\n" +
        "s=Talk\r\n" +
        "c=IN IP4 192.0.2.10\r\n" +
        "t=0 0\r\n" +
        "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n" +
        "m=audio 7078 RTP/AVP 8 0 101\r\n" +
        "b=AS:80\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-15\r\n" +
        "a=ptime:20\r\n" +
        "a=rtcp:7079\r\n" +
        "a=sendrecv\r\n";

    internal static string Text(params string[] lines) => string.Join("\r\n", lines) + "\r\n";

    private static SdpParseError Reject(string text)
    {
        Assert.False(SessionDescription.TryParse(Encoding.UTF8.GetBytes(text), out SessionDescription? description, out SdpParseError error));
        Assert.Null(description);
        return error;
    }

    [Fact]
    public void ParsesEveryFieldOfAPhoneOffer()
    {
        SessionDescription sdp = SessionDescription.Parse(PhoneOffer);

        Assert.Equal("linphone", sdp.Origin.Username);
        Assert.Equal("3461", sdp.Origin.SessionId);
        Assert.Equal(678ul, sdp.Origin.SessionVersion);
        Assert.Equal("IN", sdp.Origin.NetworkType);
        Assert.Equal("IP4", sdp.Origin.AddressType);
        Assert.Equal("192.0.2.10", sdp.Origin.Address);
        Assert.Equal("Talk", sdp.SessionName);
        Assert.Equal("192.0.2.10", sdp.Connection!.Address);
        Assert.Equal(new SdpTiming(0, 0), sdp.Timing);
        Assert.True(sdp.TryGetAttribute("rtcp-xr", out string? xr));
        Assert.StartsWith("rcvr-rtt=all:10000 ", xr, StringComparison.Ordinal);

        MediaDescription audio = Assert.Single(sdp.Media);
        Assert.Equal("audio", audio.Media);
        Assert.Equal(7078, audio.Port);
        Assert.Null(audio.PortCount);
        Assert.Equal("RTP/AVP", audio.Proto);
        Assert.Equal(["8", "0", "101"], audio.Formats);
        Assert.Equal([new SdpBandwidth("AS", 80)], audio.Bandwidths);
        Assert.Equal(20, audio.Ptime);
        Assert.Equal(SdpDirection.SendRecv, audio.Direction);
        Assert.True(audio.TryGetAttribute("rtcp", out string? rtcp));
        Assert.Equal("7079", rtcp);
    }

    [Fact]
    public void ResolvesFormatsByRtpMapFmtpAndTheStaticTable()
    {
        MediaDescription audio = SessionDescription.Parse(PhoneOffer).Media[0];

        Assert.True(audio.TryGetFormat("8", out MediaFormat? pcma));
        Assert.Equal(new MediaFormat(8, "PCMA", 8000), pcma);
        Assert.True(audio.TryGetFormat("0", out MediaFormat? pcmu)); // No a=rtpmap: RFC 3551 fixes payload type 0.
        Assert.True(pcmu.IsSameEncoding(MediaFormat.Pcmu));
        Assert.True(audio.TryGetFormat("101", out MediaFormat? events));
        Assert.Equal(new MediaFormat(101, "telephone-event", 8000, parameters: "0-15"), events);
        Assert.False(audio.TryGetFormat("96", out _));
    }

    [Fact]
    public void WritesBackExactlyWhatWasParsed()
    {
        Assert.Equal(PhoneOffer, SessionDescription.Parse(PhoneOffer).ToString());
        Assert.Equal(Encoding.UTF8.GetBytes(PhoneOffer), SessionDescription.Parse(PhoneOffer).ToArray());
    }

    [Fact]
    public void AcceptsBareLineFeedsAndWritesCrlf()
    {
        string lf = PhoneOffer.Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.True(SessionDescription.TryParse(Encoding.UTF8.GetBytes(lf), out SessionDescription? sdp, out string reason), reason);
        Assert.Equal(PhoneOffer, sdp.ToString());
    }

    [Fact]
    public void AcceptsALastLineWithoutItsLineEndAndBlankLinesAtTheEnd()
    {
        Assert.Equal(PhoneOffer, SessionDescription.Parse(PhoneOffer[..^2]).ToString());
        Assert.Equal(PhoneOffer, SessionDescription.Parse(PhoneOffer + "\r\n\r\n").ToString());
    }

    [Fact]
    public void KeepsUnknownAttributesAndLinesInTheirPlace()
    {
        string text = Text(
            "v=0", "o=- 1 2 IN IP6 2001:db8::1", "s=-", "i=a session", "u=https://example.com/s", "e=ops@example.com",
            "p=+1 555 0100", "c=IN IP6 2001:db8::1", "b=CT:128", "t=3034423619 3042462419", "r=604800 3600 0 90000",
            "z=2882844526 -1h", "k=prompt", "a=group:BUNDLE 0", "a=sendonly",
            "m=audio 49170/2 RTP/AVP 96", "i=voice", "c=IN IP6 2001:db8::2", "b=TIAS:64000", "k=prompt",
            "a=rtpmap:96 opus/48000/2", "a=fmtp:96 useinbandfec=1;stereo=1", "a=mid:0", "a=x-unknown",
            "m=application 5000 UDP/BFCP *", "a=floorctrl:c-s");

        SessionDescription sdp = SessionDescription.Parse(text);

        Assert.Equal(text, sdp.ToString());
        Assert.Equal("IP6", sdp.Connection!.AddressType);
        Assert.Equal(new SdpTiming(3034423619, 3042462419), sdp.Timing);
        Assert.Equal([new SdpBandwidth("CT", 128)], sdp.Bandwidths);
        Assert.Equal(SdpDirection.SendOnly, sdp.Direction);
        Assert.Equal(2, sdp.Media[0].PortCount);
        Assert.Equal("2001:db8::2", sdp.GetConnection(sdp.Media[0])!.Address);
        Assert.Equal("2001:db8::1", sdp.GetConnection(sdp.Media[1])!.Address);
        Assert.True(sdp.Media[0].TryGetFormat("96", out MediaFormat? opus));
        Assert.Equal(new MediaFormat(96, "opus", 48000, 2, "useinbandfec=1;stereo=1"), opus);
        Assert.Equal(["*"], sdp.Media[1].Formats);
    }

    [Fact]
    public void TheSessionDirectionAppliesToMediaWithoutTheirOwn()
    {
        SessionDescription sdp = SessionDescription.Parse(Text(
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "a=recvonly",
            "m=audio 4000 RTP/AVP 0", "m=audio 4002 RTP/AVP 0", "a=inactive", "m=video 4004 RTP/AVP 31"));

        Assert.Null(sdp.Media[0].Direction);
        Assert.Equal(SdpDirection.RecvOnly, sdp.GetDirection(sdp.Media[0]));
        Assert.Equal(SdpDirection.Inactive, sdp.GetDirection(sdp.Media[1]));

        SessionDescription plain = SessionDescription.Parse(Text("v=0", "o=- 1 1 IN IP4 h", "s=-", "m=audio 1 RTP/AVP 0"));
        Assert.Equal(SdpDirection.SendRecv, plain.GetDirection(plain.Media[0]));
    }

    [Fact]
    public void ReadsAnUnsignedSixtyFourBitVersion()
    {
        SessionDescription sdp = SessionDescription.Parse(Text("v=0", "o=- 123456789012345678901234 18446744073709551615 IN IP4 h", "s=-", "t=0 0"));
        Assert.Equal(ulong.MaxValue, sdp.Origin.SessionVersion);
        Assert.Equal("123456789012345678901234", sdp.Origin.SessionId);
    }

    [Fact]
    public void WithMethodsChangeOneThingAndLeaveEveryOtherLine()
    {
        SessionDescription sdp = SessionDescription.Parse(PhoneOffer);

        SessionDescription changed = sdp
            .WithOrigin(sdp.Origin.WithVersion(679))
            .WithConnection(new SdpConnection("0.0.0.0"))
            .WithMedia(0, sdp.Media[0].WithDirection(SdpDirection.SendOnly).WithPort(7080));

        Assert.Equal(
            PhoneOffer
                .Replace("o=linphone 3461 678 ", "o=linphone 3461 679 ", StringComparison.Ordinal)
                .Replace("c=IN IP4 192.0.2.10", "c=IN IP4 0.0.0.0", StringComparison.Ordinal)
                .Replace("m=audio 7078 ", "m=audio 7080 ", StringComparison.Ordinal)
                .Replace("a=sendrecv", "a=sendonly", StringComparison.Ordinal),
            changed.ToString());
        Assert.Equal(PhoneOffer, sdp.ToString());
        Assert.True(changed.Connection!.IsUnspecified);
    }

    [Fact]
    public void WithDirectionAddsTheAttributeAtTheEndWhenThereWasNone()
    {
        SessionDescription sdp = SessionDescription.Parse(Text("v=0", "o=- 1 1 IN IP4 h", "s=-", "t=0 0", "m=audio 1 RTP/AVP 0", "a=ptime:20"));
        Assert.Equal(
            "m=audio 1 RTP/AVP 0\r\na=ptime:20\r\na=inactive\r\n",
            sdp.Media[0].WithDirection(SdpDirection.Inactive).ToString());
        Assert.Equal("m=audio 1 RTP/AVP 0\r\na=ptime:20\r\n", sdp.Media[0].WithDirection(SdpDirection.Inactive).WithDirection(null).ToString());
    }

    [Fact]
    public void BuildsADescriptionFromItsParts()
    {
        var media = new MediaDescription("audio", 40000, "RTP/AVP", ["0", "101"], [SdpLine.Attribute("rtpmap", "101 telephone-event/8000"), SdpLine.Attribute("sendrecv")]);
        var sdp = new SessionDescription(new SdpOrigin("-", "42", 1, "192.0.2.1"), "-", new SdpConnection("192.0.2.1"), [media]);

        Assert.Equal(
            Text("v=0", "o=- 42 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 40000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000", "a=sendrecv"),
            sdp.ToString());
    }

    [Fact]
    public void RefusesPartsThatCannotBeWritten()
    {
        Assert.Throws<ArgumentException>(() => new SdpOrigin("a b", "1", 1, "h"));
        Assert.Throws<ArgumentException>(() => new SdpOrigin("-", "x1", 1, "h"));
        Assert.Throws<ArgumentException>(() => new MediaDescription("audio", 1, "RTP/AVP", []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MediaDescription("audio", 65536, "RTP/AVP", ["0"]));
        Assert.Throws<ArgumentException>(() => new MediaDescription("audio", 1, "RTP/AVP", ["0"], [new SdpLine('a', "x\r\ny")]));
        Assert.Throws<ArgumentException>(() => new MediaDescription("audio", 1, "RTP/AVP", ["0"], [new SdpLine('o', "x")]));
    }

    [Theory]
    [InlineData("", SdpRejectReason.Empty, 0)]
    [InlineData("\r\n\r\n", SdpRejectReason.Empty, 0)]
    [InlineData("o=- 1 1 IN IP4 h\r\ns=-\r\n", SdpRejectReason.MissingVersion, 1)]
    [InlineData("v=1\r\no=- 1 1 IN IP4 h\r\ns=-\r\n", SdpRejectReason.UnsupportedVersion, 1)]
    [InlineData("v=0\r\ns=-\r\nt=0 0\r\n", SdpRejectReason.MissingOrigin, 0)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\nt=0 0\r\n", SdpRejectReason.MissingSessionName, 0)]
    [InlineData("v=0\r\no=- 1 x IN IP4 h\r\ns=-\r\n", SdpRejectReason.MalformedOrigin, 2)]
    [InlineData("v=0\r\no=- 1 18446744073709551616 IN IP4 h\r\ns=-\r\n", SdpRejectReason.MalformedOrigin, 2)]
    [InlineData("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", SdpRejectReason.MalformedOrigin, 2)]
    [InlineData("v=0\r\no=- 1  1 IN IP4 h\r\ns=-\r\n", SdpRejectReason.MalformedOrigin, 2)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\no=- 1 1 IN IP4 h\r\ns=-\r\n", SdpRejectReason.DuplicateLine, 3)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4\r\n", SdpRejectReason.MalformedConnection, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0\r\n", SdpRejectReason.MalformedTiming, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nb=AS\r\n", SdpRejectReason.MalformedBandwidth, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio 70000 RTP/AVP 0\r\n", SdpRejectReason.InvalidPort, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio x RTP/AVP 0\r\n", SdpRejectReason.InvalidPort, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio 4000/0 RTP/AVP 0\r\n", SdpRejectReason.InvalidPort, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio 4000 RTP/AVP\r\n", SdpRejectReason.MalformedMedia, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=aud", SdpRejectReason.MalformedMedia, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio 4000 RTP/AVP 0  8\r\n", SdpRejectReason.MalformedMedia, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\nt=0 0\r\n", SdpRejectReason.MisplacedLine, 5)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nv=0\r\n", SdpRejectReason.MisplacedLine, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nx=1\r\n", SdpRejectReason.UnknownLineType, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\na=\r\n", SdpRejectReason.MalformedAttribute, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\na=bad name\r\n", SdpRejectReason.MalformedAttribute, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\n\r\ns=-\r\n", SdpRejectReason.MalformedLine, 3)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nA=x\r\n", SdpRejectReason.MalformedLine, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\na x\r\n", SdpRejectReason.MalformedLine, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\na=x\ry\r\n", SdpRejectReason.InvalidCharacter, 4)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=a\0b\r\n", SdpRejectReason.InvalidCharacter, 3)]
    public void RefusesMalformedInputWithTheReasonAndLine(string text, SdpRejectReason reason, int line)
    {
        SdpParseError error = Reject(text);
        Assert.Equal(reason, error.Reason);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void RefusesBytesThatAreNotUtf8NamingTheLine()
    {
        byte[] bytes = [.. "v=0\r\no=- 1 1 IN IP4 h\r\ns="u8, 0xC3, 0x28, .. "\r\nt=0 0\r\n"u8];
        Assert.False(SessionDescription.TryParse(bytes, out _, out SdpParseError error));
        Assert.Equal(new SdpParseError(SdpRejectReason.InvalidCharacter, 3), error);
        Assert.Equal("Invalid character (line 3)", error.ToString());
    }

    [Fact]
    public void RefusesGarbageBytesWithAReason()
    {
        byte[] garbage = [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03];
        Assert.False(SessionDescription.TryParse(garbage, out _, out string reason));
        Assert.Equal("Invalid character (line 1)", reason);
        Assert.False(SessionDescription.TryParse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", out _, out reason));
        Assert.Equal("Malformed line (line 1)", reason);
    }

    [Fact]
    public void ReasonsNameTheFaultAndItsLine()
    {
        Assert.False(SessionDescription.TryParse("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n", out _, out string reason));
        Assert.Equal("Invalid m= port (line 5)", reason);
        Assert.False(SessionDescription.TryParse("s=-\r\n", out _, out reason));
        Assert.Equal("Missing v= line (line 1)", reason);
        FormatException thrown = Assert.Throws<FormatException>(() => SessionDescription.Parse("v=0\r\ns=-\r\n"));
        Assert.Contains("Missing o= line", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryPrefixOfADescriptionParsesOrIsRefusedWithoutThrowing()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(PhoneOffer);
        for (int length = 0; length <= bytes.Length; length++)
        {
            if (SessionDescription.TryParse(bytes.AsSpan(0, length), out SessionDescription? sdp, out SdpParseError error))
            {
                Assert.NotNull(sdp);
            }
            else
            {
                Assert.True(Enum.IsDefined(error.Reason), $"prefix {length}");
            }
        }
    }
}
