using SipDialogs.Transport;

namespace SipDialogs.Bridging;

/// <summary>Where a bridge places a leg: the Request-URI, and the next hop to send it to.</summary>
/// <param name="Uri">The leg's Request-URI, e.g. <c>sip:carol@192.0.2.5:5060</c>.</param>
/// <param name="NextHop">Where to send it (an outbound proxy or the target's address), or null for the URI's own address.</param>
public readonly record struct BridgeTarget(string Uri, SipEndPoint? NextHop);
