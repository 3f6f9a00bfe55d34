using SipDialogs.Sdp;

namespace SipDialogs.Server;

/// <summary>
/// How <c>sipdialogs serve --mode uas</c> answers calls: optionally ring first, answer with an SDP body, optionally
/// hang up after a while. Bound from section <c>SipDialogs:Answer</c>, beside the stack's own options.
/// </summary>
internal sealed class CallAnsweringOptions
{
    /// <summary>The section bound.</summary>
    public const string SectionName = Hosting.SipStackOptions.SectionName + ":Answer";

    /// <summary>
    /// The capabilities answered from when nothing else is configured: one audio stream on loopback port 40000, PCMU,
    /// PCMA and telephone-event (RFC 4733), in that order of preference.
    /// </summary>
    public const string DefaultSdp =
        "v=0\r\no=sipdialogs 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\n" +
        "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n";

    /// <summary>Send 180 Ringing and wait this long before the 200 (default: answer at once, no 180).</summary>
    public TimeSpan? RingFor { get; set; }

    /// <summary>
    /// What serve can receive, written as an SDP (RFC 3264 §9): its c= address, and per m= line the port and the formats
    /// in order of preference. Answers are made from it for each offer; <see cref="DefaultSdp"/> when null.
    /// </summary>
    public string? AnswerSdp { get; set; }

    /// <summary>Send BYE this long after the answer (default: let the caller hang up).</summary>
    public TimeSpan? HangUpAfter { get; set; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (RingFor is { } ring && (ring < TimeSpan.Zero || ring > TimeSpan.FromMinutes(3)))
        {
            throw new InvalidOperationException($"{nameof(RingFor)} must be between 0 and 3 minutes; it is {ring}.");
        }

        if (HangUpAfter is { } hangUp && (hangUp < TimeSpan.Zero || hangUp > TimeSpan.FromDays(1)))
        {
            throw new InvalidOperationException($"{nameof(HangUpAfter)} must be between 0 and one day; it is {hangUp}.");
        }

        _ = GetCapabilities();
    }

    /// <summary>The capabilities <see cref="AnswerSdp"/> describes.</summary>
    /// <exception cref="InvalidOperationException">It is no SDP, or describes nothing to receive; the message says why.</exception>
    public MediaCapabilities GetCapabilities()
    {
        if (!SessionDescription.TryParse(AnswerSdp ?? DefaultSdp, out SessionDescription? description, out string reason) ||
            !MediaCapabilities.TryCreate(description, out MediaCapabilities? capabilities, out reason))
        {
            throw new InvalidOperationException($"{nameof(AnswerSdp)} (--answer-sdp) is not a usable capability description: {reason}.");
        }

        return capabilities;
    }
}
