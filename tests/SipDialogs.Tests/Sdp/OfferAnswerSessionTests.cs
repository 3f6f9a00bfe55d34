using SipDialogs.Sdp;
using static SipDialogs.Tests.Sdp.SessionDescriptionTests;

namespace SipDialogs.Tests.Sdp;

public class OfferAnswerSessionTests
{
    private static readonly MediaFormat s_iLbc = new(97, "iLBC", 8000);
    private static readonly MediaFormat s_h261 = new(31, "H261", 90000);
    private static readonly MediaFormat s_mpv = new(32, "MPV", 90000);
    private static readonly MediaFormat s_g723 = new(4, "G723", 8000);

    private static OfferAnswerSession Phone(params MediaFormat[] formats) =>
        new(MediaCapabilities.Audio("192.0.2.1", 40000, formats), new SdpOrigin("-", "7", 7, "192.0.2.1"));

    private static OfferAnswerSession Agent(string user, string id, ulong version, string host, params MediaCapability[] media) =>
        new(new MediaCapabilities(new SdpConnection(host), media, sessionName: ""), new SdpOrigin(user, id, version, host));

    private static MediaCapability Audio(int[] ports, params MediaFormat[] formats) => new("audio", ports, formats);

    private static MediaCapability Video(int port, params MediaFormat[] formats) => new("video", [port], formats);

    private static SessionDescription Offer(params string[] lines) => SessionDescription.Parse(Text(lines));

    private static string[] Alice(string version, params string[] media) =>
        ["v=0", $"o=alice 2890844526 {version} IN IP4 host.atlanta.example.com", "s=", "c=IN IP4 host.atlanta.example.com", "t=0 0", .. media];

    private static string Bob(string version, params string[] media) =>
        Text(["v=0", $"o=bob 2808844564 {version} IN IP4 host.biloxi.example.com", "s=", "c=IN IP4 host.biloxi.example.com", "t=0 0", .. media]);

    private static OfferAnswerSession Bob4317(MediaCapability[] media) =>
        Agent("bob", "2808844564", 2808844564, "host.biloxi.example.com", media);

    [Fact]
    public void Rfc3264Section10Point1BobRejectsTheFirstVideoStreamAndAcceptsTheRest()
    {
        OfferAnswerSession bob = Agent("bob", "2890844730", 2890844730, "host.example.com", Audio([49920], MediaFormat.Pcmu), Video(53000, s_mpv));
        SessionDescription offer = SessionDescription.Parse(Text(
            "v=0", "o=alice 2890844526 2890844526 IN IP4 host.anywhere.com", "s=", "c=IN IP4 host.anywhere.com", "t=0 0",
            "m=audio 49170 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
            "m=video 51372 RTP/AVP 31", "a=rtpmap:31 H261/90000",
            "m=video 53000 RTP/AVP 32", "a=rtpmap:32 MPV/90000"));

        SessionDescription answer = bob.CreateAnswer(offer);

        // The RFC's answer lists the rejected stream without a=rtpmap; RFC 3264 §6 leaves attributes of a rejected
        // stream open, and ours carries the rtpmap as RFC 3264's own later answer and RFC 4317 do.
        Assert.Equal(
            Text("v=0", "o=bob 2890844730 2890844730 IN IP4 host.example.com", "s=", "c=IN IP4 host.example.com", "t=0 0",
                "m=audio 49920 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
                "m=video 0 RTP/AVP 31", "a=rtpmap:31 H261/90000",
                "m=video 53000 RTP/AVP 32", "a=rtpmap:32 MPV/90000"),
            answer.ToString());
    }

    [Fact]
    public void Rfc3264Section10Point1AliceAcceptsTheAddedReceiveOnlyStreamAsSendOnly()
    {
        // Alice's origin as it stands after her offer: this answer is her second description.
        OfferAnswerSession alice = Agent(
            "alice", "2890844526", 2890844527, "host.anywhere.com",
            Audio([49170, 53122], MediaFormat.Pcmu, new MediaFormat(110, "telephone-events", 8000)), Video(53000, s_h261, s_mpv));
        SessionDescription offer = SessionDescription.Parse(Text(
            "v=0", "o=bob 2890844730 2890844731 IN IP4 host.example.com", "s=", "c=IN IP4 host.example.com", "t=0 0",
            "m=audio 65422 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
            "m=video 0 RTP/AVP 31",
            "m=video 53000 RTP/AVP 32", "a=rtpmap:32 MPV/90000",
            "m=audio 51434 RTP/AVP 110", "a=rtpmap:110 telephone-events/8000", "a=recvonly"));

        Assert.Equal(
            Text("v=0", "o=alice 2890844526 2890844527 IN IP4 host.anywhere.com", "s=", "c=IN IP4 host.anywhere.com", "t=0 0",
                "m=audio 49170 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
                "m=video 0 RTP/AVP 31", "a=rtpmap:31 H261/90000",
                "m=video 53000 RTP/AVP 32", "a=rtpmap:32 MPV/90000",
                "m=audio 53122 RTP/AVP 110", "a=rtpmap:110 telephone-events/8000", "a=sendonly"),
            alice.CreateAnswer(offer).ToString());
    }

    [Fact]
    public void Rfc3264Section10Point2OneOfNCodecSelection()
    {
        OfferAnswerSession bob = Agent("bob", "2890844730", 2890844731, "host.example.com", Audio([54344], MediaFormat.Pcmu, s_g723));
        string[] head = ["v=0", "o=alice 2890844526 2890844526 IN IP4 host.anywhere.com", "s=", "c=IN IP4 host.anywhere.com", "t=0 0"];
        string[] answerHead = ["v=0", "o=bob 2890844730 2890844731 IN IP4 host.example.com", "s=", "c=IN IP4 host.example.com", "t=0 0"];

        SessionDescription first = bob.CreateAnswer(Offer([.. head,
            "m=audio 62986 RTP/AVP 0 4 18", "a=rtpmap:0 PCMU/8000", "a=rtpmap:4 G723/8000", "a=rtpmap:18 G729/8000", "a=inactive"]));
        Assert.Equal(Text([.. answerHead, "m=audio 54344 RTP/AVP 0 4", "a=rtpmap:0 PCMU/8000", "a=rtpmap:4 G723/8000", "a=inactive"]), first.ToString());

        SessionDescription second = bob.CreateAnswer(Offer([.. head[..1], "o=alice 2890844526 2890844527 IN IP4 host.anywhere.com", .. head[2..],
            "m=audio 62986 RTP/AVP 4", "a=rtpmap:4 G723/8000", "a=sendrecv"]));
        Assert.Equal(
            Text([.. answerHead[..1], "o=bob 2890844730 2890844732 IN IP4 host.example.com", .. answerHead[2..],
                "m=audio 54344 RTP/AVP 4", "a=rtpmap:4 G723/8000", "a=sendrecv"]),
            second.ToString());
    }

    [Fact]
    public void Rfc4317Section2Point1OneAudioAndOneVideoCodecAccepted()
    {
        OfferAnswerSession bob = Bob4317([Audio([49174], MediaFormat.Pcmu), Video(49170, s_mpv)]);
        SessionDescription answer = bob.CreateAnswer(Offer(Alice("2890844526",
            "m=audio 49170 RTP/AVP 0 8 97", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:97 iLBC/8000",
            "m=video 51372 RTP/AVP 31 32", "a=rtpmap:31 H261/90000", "a=rtpmap:32 MPV/90000")));

        Assert.Equal(
            Bob("2808844564", "m=audio 49174 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "m=video 49170 RTP/AVP 32", "a=rtpmap:32 MPV/90000"),
            answer.ToString());
    }

    [Fact]
    public void Rfc4317Section2Point2TheSecondExchangeRaisesTheVersionAndKeepsTheDeclinedVideo()
    {
        OfferAnswerSession bob = Bob4317([Audio([49172], MediaFormat.Pcmu, MediaFormat.Pcma)]);
        string[] video = ["m=video 51372 RTP/AVP 31 32", "a=rtpmap:31 H261/90000", "a=rtpmap:32 MPV/90000"];

        SessionDescription first = bob.CreateAnswer(Offer(Alice("2890844526",
            ["m=audio 49170 RTP/AVP 0 8 97", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:97 iLBC/8000", .. video])));
        Assert.Equal(
            Bob("2808844564", "m=audio 49172 RTP/AVP 0 8", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "m=video 0 RTP/AVP 31", "a=rtpmap:31 H261/90000"),
            first.ToString());

        SessionDescription second = bob.CreateAnswer(Offer(Alice("2890844527",
            "m=audio 51372 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "m=video 0 RTP/AVP 31", "a=rtpmap:31 H261/90000")));
        Assert.Equal(
            Bob("2808844565", "m=audio 49172 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "m=video 0 RTP/AVP 31", "a=rtpmap:31 H261/90000"),
            second.ToString());
    }

    [Fact]
    public void Rfc4317Section2Point3ADynamicPayloadTypeIsAnsweredUnderTheOfferersNumber()
    {
        // Bob's own number for iLBC is 99 (RFC 4317 §2.3 answers with it, which is allowed); ours answers with the
        // offerer's 97, which RFC 3264 §6.1 recommends.
        OfferAnswerSession bob = Bob4317([Audio([49172], new MediaFormat(99, "iLBC", 8000)), Video(51374, s_h261)]);
        SessionDescription answer = bob.CreateAnswer(Offer(Alice("2890844526",
            "m=audio 49170 RTP/AVP 0 8 97", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:97 iLBC/8000",
            "m=video 51372 RTP/AVP 31 32", "a=rtpmap:31 H261/90000", "a=rtpmap:32 MPV/90000")));

        Assert.Equal(
            Bob("2808844564", "m=audio 49172 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "m=video 51374 RTP/AVP 31", "a=rtpmap:31 H261/90000"),
            answer.ToString());
    }

    [Fact]
    public void Rfc4317Section2Point4ASendOnlyStreamOfTelephoneEventsIsAcceptedReceiveOnly()
    {
        OfferAnswerSession bob = Bob4317([Audio([49172, 49174], s_iLbc, new MediaFormat(98, "telephone-event", 8000))]);
        SessionDescription answer = bob.CreateAnswer(Offer(Alice("2890844526",
            "m=audio 49170 RTP/AVP 0 97", "a=rtpmap:0 PCMU/8000", "a=rtpmap:97 iLBC/8000",
            "m=audio 49172 RTP/AVP 98", "a=rtpmap:98 telephone-event/8000", "a=sendonly")));

        Assert.Equal(
            Bob("2808844564", "m=audio 49172 RTP/AVP 97", "a=rtpmap:97 iLBC/8000",
                "m=audio 49174 RTP/AVP 98", "a=rtpmap:98 telephone-event/8000", "a=recvonly"),
            answer.ToString());
    }

    [Fact]
    public void Rfc4317Section2Point5AnUnchangedAnswerKeepsItsVersion()
    {
        OfferAnswerSession alice = Agent("alice", "2890844526", 2890844526, "host.atlanta.example.com", Audio([49170], s_iLbc), Video(51372, s_h261));
        string[] media = ["m=audio 49170 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "m=video 51372 RTP/AVP 31", "a=rtpmap:31 H261/90000"];
        SessionDescription first = alice.CreateOffer();
        Assert.Equal(Text(Alice("2890844526", media)), first.ToString());
        Assert.True(alice.TryAcceptAnswer(SessionDescription.Parse(Bob("2808844564",
            "m=audio 49174 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "m=video 49170 RTP/AVP 31", "a=rtpmap:31 H261/90000")), out string reason), reason);

        // Bob moves his media; Alice's answer is the same description as before, so its version stays.
        SessionDescription second = alice.CreateAnswer(SessionDescription.Parse(Text(
            "v=0", "o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com", "s=", "c=IN IP4 newhost.biloxi.example.com", "t=0 0",
            "m=audio 49178 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "m=video 49188 RTP/AVP 31", "a=rtpmap:31 H261/90000")));
        Assert.Equal(Text(Alice("2890844526", media)), second.ToString());
        SessionDescription third = alice.CreateAnswer(SessionDescription.Parse(Text(
            "v=0", "o=bob 2808844564 2808844566 IN IP4 host.biloxi.example.com", "s=", "c=IN IP4 newhost.biloxi.example.com", "t=0 0",
            "m=audio 49178 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "m=video 49188 RTP/AVP 31", "a=rtpmap:31 H261/90000")));
        Assert.Same(second, third);
    }

    [Fact]
    public void Rfc4317Section2Point6TheFirstOfTwoAudioStreamsIsDeclined()
    {
        OfferAnswerSession bob = Bob4317([Audio([49170], s_iLbc, new MediaFormat(101, "telephone-event", 8000))]);
        SessionDescription answer = bob.CreateAnswer(Offer(Alice("2890844526",
            "m=audio 49170 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
            "m=audio 51372 RTP/AVP 97 101", "a=rtpmap:97 iLBC/8000", "a=rtpmap:101 telephone-event/8000")));

        Assert.Equal(
            Bob("2808844564", "m=audio 0 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
                "m=audio 49170 RTP/AVP 97 101", "a=rtpmap:97 iLBC/8000", "a=rtpmap:101 telephone-event/8000"),
            answer.ToString());
    }

    [Fact]
    public void Rfc4317Section2Point8VideoAnsweredFromAnotherAddress()
    {
        OfferAnswerSession bob = Bob4317([
            Audio([49174], MediaFormat.Pcmu),
            new MediaCapability("video", [49172], [s_mpv], connection: new SdpConnection("otherhost.biloxi.example.com"))]);
        SessionDescription answer = bob.CreateAnswer(Offer(Alice("2890844526",
            "m=audio 49170 RTP/AVP 0 8 97", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:97 iLBC/8000",
            "m=video 51372 RTP/AVP 31 32", "a=rtpmap:31 H261/90000", "a=rtpmap:32 MPV/90000")));

        Assert.Equal(
            Bob("2808844564", "m=audio 49174 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
                "m=video 49172 RTP/AVP 32", "c=IN IP4 otherhost.biloxi.example.com", "a=rtpmap:32 MPV/90000"),
            answer.ToString());
    }

    [Fact]
    public void Rfc4317Section3Point2HoldOneOfTwoStreamsAndAnswerIt()
    {
        OfferAnswerSession alice = Agent(
            "alice", "2890844526", 2890844526, "host.atlanta.example.com",
            Audio([49170, 49172], MediaFormat.Pcmu, s_iLbc, new MediaFormat(98, "telephone-event", 8000)));
        SessionDescription reoffer = SessionDescription.Parse(Bob("2808844565",
            "m=audio 49172 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "a=sendonly",
            "m=audio 49174 RTP/AVP 98", "a=rtpmap:98 telephone-event/8000", "a=recvonly"));

        SessionDescription answer = alice.CreateAnswer(reoffer);

        Assert.Equal(
            Text(Alice("2890844526",
                "m=audio 49170 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "a=recvonly",
                "m=audio 49172 RTP/AVP 98", "a=rtpmap:98 telephone-event/8000", "a=sendonly")),
            answer.ToString());
    }

    [Fact]
    public void Rfc4317Section4Point3AVideoStreamDeletedByTheOffererIsAnsweredWithPortZero()
    {
        OfferAnswerSession alice = Agent("alice", "2890844526", 2890844526, "host.atlanta.example.com", Audio([49170], s_iLbc), Video(51372, s_h261));
        string[] audio = ["m=audio 49174 RTP/AVP 97", "a=rtpmap:97 iLBC/8000"];
        _ = alice.CreateAnswer(SessionDescription.Parse(Bob("2808844564", [.. audio, "m=video 49170 RTP/AVP 31", "a=rtpmap:31 H261/90000"])));

        SessionDescription answer = alice.CreateAnswer(SessionDescription.Parse(Bob("2808844565", [.. audio, "m=video 0 RTP/AVP 31", "a=rtpmap:31 H261/90000"])));

        Assert.Equal(
            Text(Alice("2890844527", "m=audio 49170 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "m=video 0 RTP/AVP 31", "a=rtpmap:31 H261/90000")),
            answer.ToString());
    }

    [Fact]
    public void Rfc4317Section5Point1AnOfferWithoutMediaIsAnsweredWithoutMedia()
    {
        OfferAnswerSession bob = Bob4317([Audio([49172], s_iLbc)]);
        Assert.Equal(Bob("2808844564"), bob.CreateAnswer(Offer(Alice("2890844526"))).ToString());
        Assert.Equal(
            Bob("2808844565", "m=audio 49172 RTP/AVP 97", "a=rtpmap:97 iLBC/8000"),
            bob.CreateAnswer(Offer(Alice("2890844527", "m=audio 49170 RTP/AVP 97", "a=rtpmap:97 iLBC/8000"))).ToString());
    }

    [Fact]
    public void AnOfferOfPcmaAndTelephoneEventIsAnsweredWithOnlyThoseTwo()
    {
        OfferAnswerSession phone = Phone(MediaFormat.Pcmu, MediaFormat.Pcma, MediaFormat.TelephoneEvent);
        SessionDescription answer = phone.CreateAnswer(Offer(
            "v=0", "o=baresip 1 1 IN IP4 192.0.2.9", "s=-", "c=IN IP4 192.0.2.9", "t=0 0",
            "m=audio 10000 RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=sendrecv"));

        MediaDescription audio = Assert.Single(answer.Media);
        Assert.Equal(["8", "101"], audio.Formats);
        Assert.DoesNotContain("0", audio.Formats);
        Assert.Equal(
            Text("v=0", "o=- 7 7 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                "m=audio 40000 RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=sendrecv"),
            answer.ToString());
    }

    [Fact]
    public void FormatsAreAnsweredInTheAnswerersOrderOfPreference()
    {
        OfferAnswerSession phone = Phone(MediaFormat.Pcma, MediaFormat.Pcmu, MediaFormat.TelephoneEvent);
        SessionDescription answer = phone.CreateAnswer(SessionDescription.Parse(PhoneOfferPcmuFirst));
        Assert.Equal(["8", "0", "101"], answer.Media[0].Formats);
    }

    private const string PhoneOfferPcmuFirst =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 10000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";

    [Fact]
    public void TelephoneEventIsLeftOutWhenTheAnswererDoesNotHaveIt()
    {
        SessionDescription answer = Phone(MediaFormat.Pcmu).CreateAnswer(SessionDescription.Parse(PhoneOfferPcmuFirst));
        Assert.Equal(["0"], answer.Media[0].Formats);
    }

    [Fact]
    public void ADynamicFormatMatchesByEncodingNameClockRateAndChannels()
    {
        var opus = new MediaFormat(111, "opus", 48000, 2, "useinbandfec=1");
        OfferAnswerSession phone = Phone(opus, MediaFormat.Pcmu);
        SessionDescription answer = phone.CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0",
            "m=audio 10000 RTP/AVP 96 97 0", "a=rtpmap:96 OPUS/48000", "a=rtpmap:97 opus/48000/2", "a=fmtp:97 maxplaybackrate=16000"));

        Assert.Equal(["97", "0"], answer.Media[0].Formats);
        Assert.True(answer.Media[0].TryGetFormat("97", out MediaFormat? answered));
        Assert.Equal(new MediaFormat(97, "opus", 48000, 2, "useinbandfec=1"), answered);
    }

    [Fact]
    public void AStreamOfOnlyTelephoneEventAlongsideNoCommonCodecIsRejected()
    {
        SessionDescription answer = Phone(MediaFormat.Pcmu, MediaFormat.TelephoneEvent).CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0",
            "m=audio 10000 RTP/AVP 18 101", "a=rtpmap:18 G729/8000", "a=rtpmap:101 telephone-event/8000"));

        Assert.Equal("m=audio 0 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n", answer.Media[0].ToString());
    }

    [Fact]
    public void VideoOfferedToAnAudioOnlyAnswererIsAnsweredWithPortZero()
    {
        SessionDescription answer = Phone(MediaFormat.Pcmu).CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0",
            "m=audio 10000 RTP/AVP 0", "m=video 10002 RTP/AVP 96", "a=rtpmap:96 H264/90000", "a=fmtp:96 profile-level-id=42e01f",
            "m=audio 10004 RTP/SAVP 0", "m=image 10006 udptl t38"));

        Assert.Equal(4, answer.Media.Count);
        Assert.Equal("m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", answer.Media[0].ToString());
        Assert.Equal("m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", answer.Media[1].ToString());
        Assert.Equal("m=audio 0 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n", answer.Media[2].ToString());
        Assert.Equal("m=image 0 udptl t38\r\n", answer.Media[3].ToString());
    }

    [Fact]
    public void AStreamBeyondTheCapabilitysPortsIsRejected()
    {
        SessionDescription answer = Phone(MediaFormat.Pcmu).CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0", "m=audio 10000 RTP/AVP 0", "m=audio 10002 RTP/AVP 0"));

        Assert.Equal(40000, answer.Media[0].Port);
        Assert.True(answer.Media[1].IsRejected);
    }

    [Theory]
    [InlineData("a=sendonly", SdpDirection.RecvOnly)]
    [InlineData("a=recvonly", SdpDirection.SendOnly)]
    [InlineData("a=inactive", SdpDirection.Inactive)]
    [InlineData("a=sendrecv", SdpDirection.SendRecv)]
    public void TheDirectionIsMirrored(string offered, SdpDirection answered)
    {
        SessionDescription answer = Phone(MediaFormat.Pcmu).CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0", "m=audio 10000 RTP/AVP 0", offered));
        Assert.Equal(answered, answer.Media[0].Direction);
    }

    [Fact]
    public void ASessionLevelSendOnlyIsMirroredOnEachStream()
    {
        SessionDescription answer = Phone(MediaFormat.Pcmu).CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0", "a=sendonly", "m=audio 10000 RTP/AVP 0"));
        Assert.Equal(SdpDirection.RecvOnly, answer.Media[0].Direction);
    }

    [Fact]
    public void AnOldStyleHoldWithAddressZeroIsAnsweredReceiveOnly()
    {
        SessionDescription answer = Phone(MediaFormat.Pcmu).CreateAnswer(Offer(
            "v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 0.0.0.0", "t=0 0", "m=audio 10000 RTP/AVP 0"));
        Assert.Equal(SdpDirection.RecvOnly, answer.Media[0].Direction);
    }

    [Theory]
    [InlineData(SdpDirection.RecvOnly, "a=sendrecv", SdpDirection.RecvOnly)]
    [InlineData(SdpDirection.RecvOnly, "a=recvonly", SdpDirection.Inactive)]
    [InlineData(SdpDirection.SendOnly, "a=sendrecv", SdpDirection.SendOnly)]
    [InlineData(SdpDirection.SendOnly, "a=sendonly", SdpDirection.Inactive)]
    public void TheLocalCapabilityNarrowsTheMirroredDirection(SdpDirection capability, string offered, SdpDirection answered)
    {
        var session = new OfferAnswerSession(new MediaCapabilities(
            new SdpConnection("192.0.2.1"), [new MediaCapability("audio", [40000], [MediaFormat.Pcmu], direction: capability)]));
        SessionDescription answer = session.CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0", "m=audio 10000 RTP/AVP 0", offered));
        Assert.Equal(answered, answer.Media[0].Direction);
    }

    [Fact]
    public void HeldByTheOtherSideThenResumedAnswersRecvOnlyThenSendRecvRaisingTheVersionEachTime()
    {
        OfferAnswerSession phone = Phone(MediaFormat.Pcma);
        string[] head = ["v=0", "o=peer 5 5 IN IP4 192.0.2.9", "s=-", "c=IN IP4 192.0.2.9", "t=0 0", "m=audio 10000 RTP/AVP 8"];

        SessionDescription call = phone.CreateAnswer(Offer(head));
        SessionDescription held = phone.CreateAnswer(Offer([.. head, "a=sendonly"]));
        SessionDescription resumed = phone.CreateAnswer(Offer([.. head, "a=sendrecv"]));

        Assert.Null(call.Media[0].Direction);
        Assert.Equal(SdpDirection.RecvOnly, held.Media[0].Direction);
        Assert.Equal(SdpDirection.SendRecv, resumed.Media[0].Direction);
        Assert.Equal([7ul, 8ul, 9ul], [call.Origin.SessionVersion, held.Origin.SessionVersion, resumed.Origin.SessionVersion]);
        Assert.All([call, held, resumed], d => Assert.Equal("7", d.Origin.SessionId));
        Assert.All([call, held, resumed], d => Assert.Equal(40000, d.Media[0].Port));
    }

    [Fact]
    public void AnInitialOfferListsEveryFormatOfEveryCapabilityAndThePtime()
    {
        var session = new OfferAnswerSession(
            new MediaCapabilities(new SdpConnection("192.0.2.1"), [new MediaCapability("audio", [40000], [MediaFormat.Pcma, MediaFormat.TelephoneEvent], ptime: 20)]),
            new SdpOrigin("sipdialogs", "99", 1, "192.0.2.1"));

        Assert.Equal(
            Text("v=0", "o=sipdialogs 99 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                "m=audio 40000 RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20"),
            session.CreateOffer().ToString());
    }

    [Fact]
    public void HoldAndResumeReOffersRaiseTheVersionAndARefreshKeepsIt()
    {
        OfferAnswerSession phone = Phone(MediaFormat.Pcmu);
        SessionDescription offer = phone.CreateOffer();
        Assert.True(phone.TryAcceptAnswer(SessionDescription.Parse(
            "v=0\r\no=peer 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 10000 RTP/AVP 0\r\n"), out string reason), reason);

        SessionDescription refresh = phone.CreateOffer();
        SessionDescription hold = phone.CreateHoldOffer();
        SessionDescription holdAgain = phone.CreateHoldOffer();
        SessionDescription resume = phone.CreateResumeOffer();

        Assert.Same(offer, refresh);
        Assert.Equal(SdpDirection.SendOnly, hold.Media[0].Direction);
        Assert.Same(hold, holdAgain);
        Assert.Equal(SdpDirection.SendRecv, resume.Media[0].Direction);
        Assert.Equal([7ul, 7ul, 8ul, 9ul], [offer.Origin.SessionVersion, refresh.Origin.SessionVersion, hold.Origin.SessionVersion, resume.Origin.SessionVersion]);
        Assert.Equal(offer.ToString().Replace(" 7 7 ", " 7 8 ", StringComparison.Ordinal) + "a=sendonly\r\n", hold.ToString());
        Assert.Equal(offer.ToString().Replace(" 7 7 ", " 7 9 ", StringComparison.Ordinal) + "a=sendrecv\r\n", resume.ToString());
    }

    [Fact]
    public void HoldAfterAnsweringReOffersTheNegotiatedStreamsSendOnly()
    {
        OfferAnswerSession phone = Phone(MediaFormat.Pcmu, MediaFormat.Pcma, MediaFormat.TelephoneEvent);
        _ = phone.CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0",
            "m=audio 10000 RTP/AVP 8 101", "a=rtpmap:101 telephone-event/8000", "m=video 10002 RTP/AVP 31"));

        SessionDescription hold = phone.CreateHoldOffer();

        Assert.Equal(
            Text("v=0", "o=- 7 8 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                "m=audio 40000 RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=sendonly",
                "m=video 0 RTP/AVP 31", "a=rtpmap:31 H261/90000"),
            hold.ToString());
        Assert.True(phone.IsHolding);
    }

    [Fact]
    public void AStreamTheAnswerRejectsStaysDisabledInLaterOffers()
    {
        var session = new OfferAnswerSession(
            new MediaCapabilities(new SdpConnection("192.0.2.1"), [new MediaCapability("audio", [40000], [MediaFormat.Pcmu]), new MediaCapability("video", [40002], [s_h261])]),
            new SdpOrigin("-", "1", 1, "192.0.2.1"));
        _ = session.CreateOffer();
        Assert.True(session.TryAcceptAnswer(SessionDescription.Parse(
            "v=0\r\no=p 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 10000 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n"), out string reason), reason);

        SessionDescription hold = session.CreateHoldOffer();

        Assert.Equal(0, hold.Media[1].Port);
        Assert.Equal(SdpDirection.SendOnly, hold.Media[0].Direction);
    }

    [Fact]
    public void AnAnswerThatDoesNotFitTheOfferIsRefusedWithAReason()
    {
        OfferAnswerSession phone = Phone(MediaFormat.Pcmu);
        SessionDescription peer = SessionDescription.Parse("v=0\r\no=p 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\n");

        Assert.False(phone.TryAcceptAnswer(peer, out string reason));
        Assert.Equal("No offer is waiting for an answer", reason);
        _ = phone.CreateOffer();
        Assert.False(phone.TryAcceptAnswer(peer, out reason));
        Assert.Equal("The answer has 2 m= lines, the offer 1", reason);
    }

    [Fact]
    public void AReOfferBeforeAnyExchangeIsAProgrammingError()
    {
        Assert.Throws<InvalidOperationException>(() => Phone(MediaFormat.Pcmu).CreateHoldOffer());
    }

    [Fact]
    public void ANewSessionDrawsARandomSessionIdThatIsAlsoItsFirstVersion()
    {
        MediaCapabilities capabilities = MediaCapabilities.Audio("2001:db8::1", 40000, MediaFormat.Pcmu);
        var first = new OfferAnswerSession(capabilities);
        var second = new OfferAnswerSession(capabilities);

        Assert.NotEqual(first.Origin.SessionId, second.Origin.SessionId);
        Assert.Equal(first.Origin.SessionId, first.Origin.SessionVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("IP6", first.CreateOffer().Origin.AddressType);
    }

    [Fact]
    public void CapabilitiesReadFromADescriptionAnswerAsThatDescriptionSays()
    {
        Assert.True(MediaCapabilities.TryCreate(SessionDescription.Parse(Text(
            "v=0", "o=- 0 0 IN IP4 192.0.2.1", "s=capabilities", "c=IN IP4 192.0.2.1", "t=0 0",
            "m=audio 40000 RTP/AVP 8 0 96 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20",
            "m=audio 40002 RTP/AVP 8")), out MediaCapabilities? capabilities, out string reason), reason);

        MediaCapability audio = Assert.Single(capabilities.Media);
        Assert.Equal([40000, 40002], audio.Ports);
        Assert.Equal([MediaFormat.Pcma, MediaFormat.Pcmu, MediaFormat.TelephoneEvent], audio.Formats);
        Assert.Equal(20, audio.Ptime);
        SessionDescription answer = new OfferAnswerSession(capabilities, new SdpOrigin("-", "1", 1, "192.0.2.1")).CreateAnswer(Offer(
            "v=0", "o=- 1 1 IN IP4 h", "s=-", "c=IN IP4 192.0.2.9", "t=0 0", "m=audio 10000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly"));
        Assert.Equal(
            Text("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=capabilities", "c=IN IP4 192.0.2.1", "t=0 0",
                "m=audio 40000 RTP/AVP 8 0 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16",
                "a=ptime:20", "a=recvonly"),
            answer.ToString());
    }

    [Theory]
    [InlineData("m=audio 40000 RTP/AVP 0", "No c= line gives the media address")]
    [InlineData("c=IN IP4 192.0.2.1\r\nm=audio 0 RTP/AVP 0", "m= line 1 has port 0")]
    [InlineData("c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 96", "m= line 1 lists no format whose encoding is known (a dynamic payload type needs a=rtpmap)")]
    public void ADescriptionThatCannotServeAsCapabilitiesIsRefusedWithAReason(string tail, string expected)
    {
        SessionDescription description = SessionDescription.Parse("v=0\r\no=- 0 0 IN IP4 h\r\ns=-\r\n" + tail + "\r\n");
        Assert.False(MediaCapabilities.TryCreate(description, out _, out string reason));
        Assert.Equal(expected, reason);
    }
}
