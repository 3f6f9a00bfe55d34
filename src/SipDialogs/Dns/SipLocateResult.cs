using SipDialogs.Transport;

namespace SipDialogs.Dns;

/// <summary>
/// The servers to try for a SIP URI, in order (RFC 3263 §4): a caller sends to the first and, when a request may be
/// retried elsewhere (transport error, 503, Timer B/F), walks on to the next.
/// </summary>
public sealed class SipLocateResult
{
    internal SipLocateResult(IReadOnlyList<SipEndPoint> targets, SipLocateError error, string? detail)
    {
        Targets = targets;
        Error = error;
        Detail = detail;
    }

    /// <summary>The targets, most preferred first; empty when <see cref="Error"/> is set.</summary>
    public IReadOnlyList<SipEndPoint> Targets { get; }

    /// <summary>Why there are no targets, or <see cref="SipLocateError.None"/>.</summary>
    public SipLocateError Error { get; }

    /// <summary>What failed, for a log: the name and query, or the DNS error. <see langword="null"/> on success.</summary>
    public string? Detail { get; }

    /// <summary>Whether there is at least one target.</summary>
    public bool Succeeded => Error == SipLocateError.None;

    /// <inheritdoc />
    public override string ToString() => Succeeded ? string.Join(", ", Targets) : $"{Error}: {Detail}";
}
