// Colour is decoration only: every state also shows as a symbol or a word. NO_COLOR
// (https://no-color.org) turns it off; chalk, under Ink, does not read that variable itself.
import {createContext, useContext} from 'react';

export const ColorContext = createContext(true);

/** The colour to use, or undefined when colours are off. */
export function useColor(): (color: string | undefined) => string | undefined {
	const enabled = useContext(ColorContext);
	return color => (enabled ? color : undefined);
}
