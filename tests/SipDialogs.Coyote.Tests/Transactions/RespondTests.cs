using SipDialogs.Hosting;
using SipDialogs.Messages;

namespace SipDialogs.Coyote.Tests.Transactions;

/// <summary>
/// <see cref="SipServerRequest.Respond(SipMessageBuilder)"/> and <see cref="SipServerRequest.RespondAsync"/> from the
/// thread pool, racing a CANCEL that the shard answers itself: under every schedule Coyote explores, exactly one final
/// response leaves, a provisional response only before it, and what each call returned agrees with the wire.
/// </summary>
public class RespondTests
{
    [Fact]
    public void RespondFromThePoolRacingTheShardSendsOneFinalResponseInOrder()
    {
        Exploration.Run(static async () =>
        {
            var server = new ServerHarness();
            server.Receive(ServerHarness.Request(SipMethods.Invite, "respond-race"));
            SipServerRequest request = await server.HandedOut;

            // One task rings then answers; another refuses with RespondAsync; the caller cancels meanwhile.
            Task<(bool Ringing, bool Answer)> answering = Task.Run(() =>
            {
                bool ringing = request.Respond(request.CreateResponse(180));
                bool answer = request.Respond(request.CreateResponse(200).Add(SipHeaderKind.Contact, "<sip:bob@127.0.0.1:5060>"));
                return (ringing, answer);
            });
            Task<bool> refusing = Task.Run(async () => await request.RespondAsync(request.CreateResponse(486)));
            server.Receive(ServerHarness.Request(SipMethods.Cancel, "respond-race"));

            (bool ringing, bool answer) = await answering;
            bool refused = await refusing;
            await server.Shards[0].WhenIdleAsync();

            int[] statuses = server.Wire.StatusesOf(SipMethods.Invite);
            int[] finals = [.. statuses.Where(static s => s >= 200)];
            int final = Assert.Single(finals);
            Assert.True(final is 200 or 486 or 487, $"Unexpected final response {final}.");
            Assert.Equal(final, statuses[^1]); // Nothing after the final response, a 180 only before it.
            Assert.True(statuses.Length <= 2);
            Assert.Equal(statuses.Length == 2, ringing && statuses[0] == 180);

            // What the calls said agrees with what left: RespondAsync knows; Respond refuses what it knows is too late.
            Assert.Equal(final == 486, refused);
            Assert.True(final != 200 || answer, "The 200 left, yet Respond said it would not.");
            Assert.True(request.HasFinalResponse);
            Assert.Equal(final, request.LastStatusCode);
            Assert.Equal([200], server.Wire.StatusesOf(SipMethods.Cancel));
            await server.DisposeAsync();
        }, iterations: 200);
    }
}
