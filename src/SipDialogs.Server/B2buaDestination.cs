using SipDialogs.Bridging;

namespace SipDialogs.Server;

/// <summary>Where a B2BUA route sends its calls: its targets in order, and how the B leg crosses (its credentials included).</summary>
/// <param name="Targets">The targets, tried in order.</param>
/// <param name="Bridge">What crosses the bridge, and the Digest client answering the targets' challenges.</param>
internal sealed record B2buaDestination(IReadOnlyList<B2buaTarget> Targets, BridgeOptions Bridge);
