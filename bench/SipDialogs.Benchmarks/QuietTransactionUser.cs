using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Benchmarks;

/// <summary>A transaction user for benchmarks: it handles requests as told and ignores everything else.</summary>
internal abstract class QuietTransactionUser : ITransactionUser
{
    public abstract void OnRequest(ServerTransaction transaction);

    public void OnAck(InboundMessage ack, Transaction? transaction)
    {
    }

    public void OnCancel(ServerInviteTransaction invite, InboundMessage cancel)
    {
    }

    public void OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received)
    {
    }

    public void OnStrayResponse(InboundMessage response)
    {
    }

    public void OnTimeout(Transaction transaction)
    {
    }

    public void OnTransportError(Transaction transaction, SipTransportException error)
    {
    }

    public virtual void OnTerminated(Transaction transaction)
    {
    }
}
