namespace SipDialogs.Redis;

/// <summary>A record this node claimed and is about to import: the epoch it owns it with and whose it was.</summary>
/// <param name="Epoch">The new epoch.</param>
/// <param name="PreviousOwner">The node that owned it (empty when released).</param>
internal readonly record struct ReplicationClaim(long Epoch, string PreviousOwner);
