// The images a deploy puts into the new task definition.
import { CONTAINER_NAME, checkImage, parseImageList } from '../parse/images.js';
import type { Inputs } from './context.js';
import { INPUT } from './inputs.js';

/** `container-name` + `image` and `images`, merged; a container named twice is an error. */
export function readImages({ raw, given, complain, take }: Inputs): ReadonlyMap<string, string> {
  const images = given(INPUT.images)
    ? take(INPUT.images, parseImageList(raw(INPUT.images)), new Map<string, string>())
    : new Map<string, string>();
  const name = raw(INPUT.containerName);
  const image = raw(INPUT.image);
  if (given(INPUT.image) && !given(INPUT.containerName)) {
    complain(
      INPUT.image,
      'is given without container-name; set container-name to the container whose image it is (e.g. web), or use images: web=<image>',
    );
  } else if (given(INPUT.containerName) && !given(INPUT.image)) {
    complain(
      INPUT.containerName,
      'is given without image; set image (e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2), or remove container-name',
    );
  } else if (given(INPUT.containerName)) {
    const checked = checkImage(image);
    if (!CONTAINER_NAME.test(name)) {
      complain(
        INPUT.containerName,
        `${JSON.stringify(name)} is not an ECS container name; write the name from the task definition's containerDefinitions (letters, numbers, _ and -)`,
      );
    } else if (!checked.ok) {
      complain(
        INPUT.image,
        `${JSON.stringify(image)} is not an image reference (${checked.problem.replace(/^has /, '')}); write an image reference without spaces, at most 255 characters (e.g. web:2)`,
      );
    } else if (images.has(name)) {
      complain(
        INPUT.images,
        `names container "${name}" which container-name also names; give each container's image once`,
      );
    } else {
      images.set(name, image);
    }
  }
  return images;
}
