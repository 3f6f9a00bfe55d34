using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

/// <summary>
/// An owner of a client transaction that does nothing: the tests read what the layer tells through
/// <see cref="RecordingUser"/>, which is told of the transaction an owner knows.
/// </summary>
internal sealed class QuietOwner : IClientTransactionOwner
{
    public void OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received)
    {
    }

    public void OnNoResponse(ClientTransaction transaction, int status)
    {
    }

    public void OnTerminated(ClientTransaction transaction)
    {
    }
}
