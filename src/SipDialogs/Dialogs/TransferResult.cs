namespace SipDialogs.Dialogs;

/// <summary>How a transfer (a REFER and its implicit subscription) ended, as the transferor learns it.</summary>
public enum TransferResult
{
    /// <summary>The referred request got a 2xx: the last NOTIFY's sipfrag held a 2xx status line (RFC 3515 §2.4.5).</summary>
    Succeeded,

    /// <summary>The referred request failed: the last NOTIFY's sipfrag held a final status of 300 or more.</summary>
    Failed,

    /// <summary>The REFER itself was refused (a final response other than 2xx, or none at all).</summary>
    Declined,

    /// <summary>
    /// The REFER was accepted but no final report came: no subscription was asked for (RFC 4488), or it ended by
    /// expiry or with its dialog before the referred request had a final response.
    /// </summary>
    Unknown,
}
