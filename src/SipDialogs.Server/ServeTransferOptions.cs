namespace SipDialogs.Server;

/// <summary>
/// What <c>serve</c> does with a call it places as a transferee (RFC 5589 §6), bound from section
/// <c>SipDialogs:Transfers</c> beside the stack's own <see cref="Dialogs.TransferOptions"/> (whose
/// <c>AcceptReferrals</c> says whether REFER is accepted at all).
/// </summary>
internal sealed class ServeTransferOptions
{
    /// <summary>The section bound: the stack's <c>Transfers</c>, so that every transfer setting is in one place.</summary>
    public const string SectionName = Hosting.SipStackOptions.SectionName + ":Transfers";

    /// <summary>The longest <see cref="Hold"/>, in seconds: one day.</summary>
    public const double MostSeconds = 86_400;

    /// <summary>How long a referred call is held once answered before serve ends it with BYE (default 0: at once).</summary>
    public TimeSpan Hold { get; set; }

    /// <summary>Whether <see cref="Hold"/> is between 0 and <see cref="MostSeconds"/>.</summary>
    public bool IsValid => Hold >= TimeSpan.Zero && Hold <= TimeSpan.FromSeconds(MostSeconds);
}
