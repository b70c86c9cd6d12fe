/** The sft framing layer: constants, encoder, decoder, reader and errors. */
export * from './constants';
export * from './decoder';
export * from './encoder';
export * from './errors';
export * from './reader';
