export { cartpoleLength, CartpoleEnv, cartpoleReward, cartpoleXml, isCartpoleUnsafe } from './cartpole.js';
