using SipDialogs.Dialogs;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>A dialog's record in Redis, read back by a test.</summary>
internal sealed record DialogRecord(string Owner, string Epoch, DialogSnapshot State);
