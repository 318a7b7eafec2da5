// WebSocketChatApi as the README shows it: the bundled JWT authorizer on $connect, the token in the query
// string, rooms from a claim, limits and a route throttle.
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { ApiAuthorization, ChatRoomAccess, ChatTokenSource, WebSocketChatApi } from 'cdk-apigateway-patterns';

export class ChatStack extends Stack {
  public readonly chat: WebSocketChatApi;

  public constructor(app: App, id: string) {
    super(app, id);
    this.chat = new WebSocketChatApi(this, 'Chat', {
      authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['chat'] }),
      tokenSource: ChatTokenSource.queryString('token'),
      roomAccess: ChatRoomAccess.fromClaim('scope', 'chat.room:'),
      limits: { messagesPerWindow: 20, messageWindow: Duration.seconds(10), connectionsPerUser: 10, roomSize: 10_000 },
      routeThrottles: { sendmessage: { rateLimit: 100, burstLimit: 200 } },
    });
    new CfnOutput(this, 'ChatUrl', { value: this.chat.url });
  }
}
