// Marks a request whose client went away: there is nobody left to answer, so nothing is sent.

export class ClientGone extends Error {
  override readonly name = 'ClientGone';

  constructor(message = 'the client went away') {
    super(message);
  }
}
