/**
 * Stable, loggable reason codes for refused tokens. aws-jwt-verify's errors are mapped by `instanceof` of the
 * classes it exports (never by constructor name: a minifier renames classes, so a bundle would log "D" or "U").
 * Subclasses come before their base classes. No CDK imports: this module runs inside Lambda.
 */
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidGroupError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwkValidationError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidScopeError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';

/** A token that must be refused, for a reason of our own (prechecks, custom claim checks). */
export class TokenRejected extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** aws-jwt-verify error class -> reason code, most specific first. */
const REASONS: ReadonlyArray<readonly [ErrorClass, string]> = [
  [JwtExpiredError, 'TokenExpired'],
  [JwtNotBeforeError, 'TokenNotYetValid'],
  [JwtInvalidAudienceError, 'WrongAudience'],
  [CognitoJwtInvalidClientIdError, 'WrongAudience'],
  [JwtInvalidIssuerError, 'WrongIssuer'],
  [CognitoJwtInvalidTokenUseError, 'WrongTokenUse'],
  [JwtInvalidScopeError, 'MissingScope'],
  [CognitoJwtInvalidGroupError, 'WrongGroup'],
  [JwtInvalidSignatureAlgorithmError, 'UnsupportedAlgorithm'],
  [JwtInvalidSignatureError, 'InvalidSignature'],
  [JwtParseError, 'MalformedToken'],
  [JwtWithoutValidKidError, 'MissingKid'],
  [KidNotFoundInJwksError, 'UnknownKid'],
  [WaitPeriodNotYetEndedJwkError, 'UnknownKid'],
  [JwkInvalidUseError, 'InvalidJwks'],
  [JwkInvalidKtyError, 'InvalidJwks'],
  [JwkValidationError, 'InvalidJwks'],
  [JwksValidationError, 'InvalidJwks'],
  [JwksNotAvailableInCacheError, 'JwksUnavailable'],
  [FetchError, 'JwksUnavailable'],
  // Raised while verifying only when the token's issuer is not a configured one (Cognito's two issuer forms).
  [ParameterValidationError, 'WrongIssuer'],
  [JwtBaseError, 'VerificationFailed'],
];

/** The stable reason code of a verification error. */
export function rejectionReason(e: unknown): string {
  if (e instanceof TokenRejected) return e.reason;
  for (const [type, reason] of REASONS) {
    if (e instanceof type) return reason;
  }
  return 'VerificationError';
}
