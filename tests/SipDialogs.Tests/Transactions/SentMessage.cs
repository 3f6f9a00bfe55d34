using System.Text;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

/// <summary>One message the layer handed to the transport.</summary>
internal sealed record SentMessage(string StartLine, byte[] Bytes, TimeSpan At, SipTransportProtocol Protocol)
{
    public SipMessage Parse() => SipMessageParser.Parse(Encoding.UTF8.GetString(Bytes));
}
