namespace SipDialogs.Sdp;

/// <summary>
/// A <c>t=&lt;start-time&gt; &lt;stop-time&gt;</c> line (RFC 8866 §5.9): NTP seconds; <c>t=0 0</c>, the usual value
/// in offer/answer (RFC 3264 §5), means a session not bounded in time.
/// </summary>
/// <param name="Start">The start time, 0 for unbounded.</param>
/// <param name="Stop">The stop time, 0 for unbounded.</param>
public readonly record struct SdpTiming(ulong Start, ulong Stop);
