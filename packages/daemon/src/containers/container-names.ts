import { randomInt } from 'node:crypto';
import { InvalidArgumentError } from '@berth/errdefs';

/** Docker's rule for container names (the leading '/' is optional on the wire). */
const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Checks a client-given name and returns it in stored form, with its leading '/'. */
export function normalizeContainerName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new InvalidArgumentError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.startsWith('/') ? name : `/${name}`;
}

const ADJECTIVES = [
  'admiring', 'affectionate', 'agitated', 'amazing', 'angry', 'awesome', 'beautiful', 'blissful', 'bold', 'brave',
  'busy', 'charming', 'clever', 'compassionate', 'competent', 'confident', 'cool', 'cranky', 'crazy', 'dazzling',
  'determined', 'distracted', 'dreamy', 'eager', 'ecstatic', 'elastic', 'elated', 'elegant', 'eloquent', 'epic',
  'exciting', 'fervent', 'festive', 'flamboyant', 'focused', 'friendly', 'frosty', 'funny', 'gallant', 'gifted',
  'goofy', 'gracious', 'great', 'happy', 'hardcore', 'heuristic', 'hopeful', 'hungry', 'infallible', 'inspiring',
  'intelligent', 'interesting', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'loving', 'lucid', 'magical',
  'modest', 'musing', 'mystifying', 'naughty', 'nervous', 'nice', 'nifty', 'nostalgic', 'objective', 'optimistic',
  'peaceful', 'pedantic', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical', 'relaxed', 'reverent',
  'romantic', 'sad', 'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'strange', 'stupefied', 'suspicious', 'sweet',
  'tender', 'thirsty', 'trusting', 'unruffled', 'upbeat', 'vibrant', 'vigilant', 'vigorous', 'wizardly',
  'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen',
];

/** Scientists and engineers, as docker's generator uses (our own selection). */
const SURNAMES = [
  'agnesi', 'albattani', 'allen', 'archimedes', 'babbage', 'banach', 'bardeen', 'bartik', 'bell', 'bhabha',
  'blackwell', 'bohr', 'booth', 'borg', 'bose', 'brahmagupta', 'brattain', 'burnell', 'cannon', 'carson', 'cerf',
  'chandrasekhar', 'curie', 'darwin', 'diffie', 'dijkstra', 'einstein', 'elion', 'engelbart', 'euclid', 'euler',
  'faraday', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'gauss', 'germain', 'goldberg', 'goodall',
  'hamilton', 'hawking', 'heisenberg', 'hertz', 'hodgkin', 'hopper', 'hypatia', 'johnson', 'kalam', 'kepler',
  'knuth', 'kowalevski', 'lamarr', 'lamport', 'leakey', 'lovelace', 'lumiere', 'margulis', 'maxwell', 'mayer',
  'mccarthy', 'meitner', 'mendel', 'mirzakhani', 'morse', 'newton', 'nightingale', 'noether', 'pascal', 'pasteur',
  'payne', 'perlman', 'planck', 'poincare', 'ramanujan', 'ritchie', 'rosalind', 'sammet', 'shannon', 'shockley',
  'sinoussi', 'stonebraker', 'swanson', 'tesla', 'thompson', 'torvalds', 'turing', 'varahamihira', 'villani',
  'wiles', 'williams', 'wilson', 'wing', 'wozniak', 'wright', 'yalow', 'yonath',
];

/** A random `adjective_surname`, docker style (never "boring_wozniak"). */
export function randomContainerName(retry = 0): string {
  let name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
  if (name === 'boring_wozniak') return randomContainerName(retry);
  if (retry > 0) name += String(randomInt(10));
  return name;
}
