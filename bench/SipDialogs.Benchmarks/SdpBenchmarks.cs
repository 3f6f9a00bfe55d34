using BenchmarkDotNet.Attributes;
using SipDialogs.Messages;
using SipDialogs.Sdp;

namespace SipDialogs.Benchmarks;

/// <summary>
/// What a UAS does with each call's offer: parse the SDP body of the typical INVITE (a phone's offer of PCMU, PCMA,
/// G.722, G.729 and telephone-event), then answer it from a phone's capabilities and write the answer's bytes.
/// </summary>
[MemoryDiagnoser]
public class SdpBenchmarks
{
    private byte[] _offer = [];
    private readonly MediaCapabilities _capabilities =
        MediaCapabilities.Audio("192.0.2.1", 40000, MediaFormat.Pcma, MediaFormat.Pcmu, MediaFormat.TelephoneEvent);

    [GlobalSetup]
    public void Setup()
    {
        byte[] invite = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "invite.sip"));
        if (!SipMessageParser.TryParse(invite, out SipMessage? message, out SipParseError error))
        {
            throw new InvalidOperationException($"The benchmark INVITE does not parse: {error}");
        }

        _offer = message!.Body.ToArray();
    }

    /// <summary>Parse the offer.</summary>
    [Benchmark(Baseline = true)]
    public int ParseOffer()
    {
        _ = SessionDescription.TryParse(_offer, out SessionDescription? offer, out SdpParseError _);
        return offer!.Media.Count;
    }

    /// <summary>Parse the offer, answer it in a new call's session (new origin) and write the answer as bytes.</summary>
    [Benchmark]
    public int ParseAndAnswer()
    {
        _ = SessionDescription.TryParse(_offer, out SessionDescription? offer, out SdpParseError _);
        var session = new OfferAnswerSession(_capabilities);
        return session.CreateAnswer(offer!).ToArray().Length;
    }
}
