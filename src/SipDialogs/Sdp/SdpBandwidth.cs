namespace SipDialogs.Sdp;

/// <summary>A <c>b=&lt;bwtype&gt;:&lt;bandwidth&gt;</c> line (RFC 8866 §5.8), e.g. <c>b=AS:64</c> (kilobits per second).</summary>
/// <param name="Type">The bandwidth type, e.g. <c>"AS"</c>, <c>"CT"</c>, <c>"TIAS"</c>.</param>
/// <param name="Value">The bandwidth, in the unit the type defines.</param>
public readonly record struct SdpBandwidth(string Type, ulong Value);
