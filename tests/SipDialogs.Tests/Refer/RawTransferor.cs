using System.Globalization;
using System.Net;
using System.Text;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Refer;

/// <summary>
/// Agent A of RFC 3515 §4 written by hand over a <see cref="RawSipSocket"/>, facing one stack (Agent B): it sends the
/// REFERs, NOTIFY answers and other requests a test composes, and hands back what the stack sends one step at a time,
/// so a test can assert each message and answer it as it chooses (481 to a NOTIFY, say). A request seen before is a
/// retransmission, not a step: it gets the answer already given, and is not returned again.
/// </summary>
internal sealed class RawTransferor : IAsyncDisposable
{
    /// <summary>The From tag of every request of this agent.</summary>
    public const string Tag = "raw1";

    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    private readonly RawSipSocket _socket = new();
    private readonly List<SipMessage> _held = [];
    private readonly Dictionary<string, byte[]?> _answers = new(StringComparer.Ordinal);
    private readonly List<string> _steps = [];
    private int _branches;

    public RawTransferor(SipStack stack)
    {
        Stack = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
        Address = "127.0.0.1:" + _socket.Port;
    }

    /// <summary>The stack's UDP end point, where every request goes.</summary>
    public IPEndPoint Stack { get; }

    /// <summary>This agent's host and port, for Via, From and Contact.</summary>
    public string Address { get; }

    /// <summary>The stack as Agent B, the Request-URI of requests outside a dialog.</summary>
    public string StackUri => "sip:b@127.0.0.1:" + Stack.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The dialog (or Call-ID, before one exists) the next request belongs to.</summary>
    public RawDialog Dialog { get; set; } = new();

    /// <summary>
    /// The start of every new message received, in order of arrival: the method of a request, the status of a
    /// response (as RFC call flows list the steps).
    /// </summary>
    public IReadOnlyList<string> Steps => _steps;

    /// <summary>
    /// A request of <see cref="Dialog"/> with a fresh branch and the next CSeq: To carries the dialog's remote tag once
    /// it has one; <paramref name="headers"/> (whole lines) go before Content-Length.
    /// </summary>
    public string Compose(string method, IEnumerable<string> headers, string? contentType = null, string? body = null) =>
        Write(method, ++Dialog.CSeq, headers, contentType, body);

    /// <summary>Sends SIP text to the stack.</summary>
    public Task SendAsync(string text) => _socket.SendAsync(text, Stack);

    /// <summary>Sends a request composed by <see cref="Compose"/> and returns its final response.</summary>
    public async Task<SipResponse> AskAsync(string method, params string[] headers)
    {
        await SendAsync(Compose(method, headers));
        return await FinalResponseAsync(Dialog.CSeq, method);
    }

    /// <summary>
    /// Calls the stack (INVITE without an offer, outside any dialog), acknowledges its 2xx and makes the call's dialog
    /// <see cref="Dialog"/>; returns the 2xx.
    /// </summary>
    public async Task<SipResponse> CallAsync()
    {
        SipResponse ok = await AskAsync(SipMethods.Invite);
        Assert.Equal(200, ok.StatusCode);
        Dialog.RemoteTag = Encoding.ASCII.GetString(ok.ToTag);
        await SendAsync(Write(SipMethods.Ack, Dialog.CSeq, [], null, null)); // RFC 3261 §13.2.2.4: the INVITE's CSeq number.
        return ok;
    }

    /// <summary>The final response to the request with this CSeq; provisional responses are passed over.</summary>
    public async Task<SipResponse> FinalResponseAsync(uint cseq, string method) =>
        (SipResponse)await TakeAsync(m => m is SipResponse { StatusCode: >= 200 } r && r.CSeqNumber == cseq && r.CSeqMethod == method);

    /// <summary>
    /// The next new request of <paramref name="method"/> (of the subscription whose Event id is
    /// <paramref name="eventId"/>, when given); other messages wait for their own turn.
    /// </summary>
    public async Task<SipRequest> RequestAsync(string method, uint? eventId = null) =>
        (SipRequest)await TakeAsync(m => m is SipRequest r && r.Method == method &&
            (eventId is null || r.Event?.Id == eventId.Value.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Answers a request of the stack; a retransmission of it gets the same answer.</summary>
    public async Task RespondAsync(SipRequest request, int status = 200, string? reason = null)
    {
        byte[] answer = SipMessageBuilder.ResponseTo(request, status, reason)
            .Add(SipHeaderKind.Contact, "<sip:a@" + Address + ">")
            .ToArray();
        _answers[KeyOf(request)] = answer;
        await _socket.SendAsync(Encoding.UTF8.GetString(answer), Stack);
    }

    /// <summary>The next NOTIFY (of one subscription, when given), answered 200 at once so the stack's next one can follow.</summary>
    public async Task<SipRequest> NotifyAsync(uint? eventId = null)
    {
        SipRequest notify = await RequestAsync(SipMethods.Notify, eventId);
        await RespondAsync(notify);
        return notify;
    }

    /// <summary>The status a NOTIFY reports: its sipfrag's status line (RFC 3515 §2.4.5).</summary>
    public static int ReportOf(SipRequest notify)
    {
        Assert.True(SipFrag.TryParse(notify.Body.Span, out SipFrag? fragment, out SipParseError error), error.ToString());
        return fragment!.StatusCode ?? 0;
    }

    /// <summary>Whether any request of <paramref name="method"/> has arrived that no test took.</summary>
    public bool HasReceived(string method)
    {
        while (_socket.TryReceive(out SipMessage? message))
        {
            Keep(message!);
        }

        return _held.Exists(m => m is SipRequest r && r.Method == method);
    }

    public ValueTask DisposeAsync() => _socket.DisposeAsync();

    private string Write(string method, uint cseq, IEnumerable<string> headers, string? contentType, string? body)
    {
        RawDialog dialog = Dialog;
        string to = dialog.RemoteTag is null ? "<" + StackUri + ">" : "<" + StackUri + ">;tag=" + dialog.RemoteTag;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{method} {StackUri} SIP/2.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP {Address};branch=z9hG4bK-raw-{++_branches}\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: <sip:a@{Address}>;tag={Tag}\r\nTo: {to}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {dialog.CallId}\r\nCSeq: {cseq} {method}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Contact: <sip:a@{Address}>\r\n");
        foreach (string header in headers)
        {
            text.Append(header).Append("\r\n");
        }

        if (contentType is not null)
        {
            text.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        body ??= string.Empty;
        text.Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n").Append(body);
        return text.ToString();
    }

    private static string KeyOf(SipMessage message) => message.CSeqMethod + " " + Encoding.ASCII.GetString(message.TopViaBranch);

    private async Task<SipMessage> TakeAsync(Func<SipMessage, bool> match)
    {
        int index = _held.FindIndex(m => match(m));
        if (index >= 0)
        {
            SipMessage held = _held[index];
            _held.RemoveAt(index);
            return held;
        }

        while (true)
        {
            (SipMessage message, _) = await _socket.ReceiveAsync(s_timeout);
            if (!Keep(message))
            {
                continue;
            }

            if (match(message))
            {
                _held.Remove(message);
                return message;
            }
        }
    }

    /// <summary>Holds a new message for its turn; false for a retransmitted request, answered again if it was answered.</summary>
    private bool Keep(SipMessage message)
    {
        if (message is SipRequest request)
        {
            string key = KeyOf(request);
            if (_answers.TryGetValue(key, out byte[]? answer))
            {
                if (answer is not null)
                {
                    _ = _socket.SendAsync(Encoding.UTF8.GetString(answer), Stack);
                }

                return false;
            }

            _answers[key] = null;
            _steps.Add(request.Method);
        }
        else
        {
            _steps.Add(((SipResponse)message).StatusCode.ToString(CultureInfo.InvariantCulture));
        }

        _held.Add(message);
        return true;
    }
}
